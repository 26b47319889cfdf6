export { createMigrator, createMigratorFromConfig } from "./migrator.js";
export type * from "./api-types.js";
export { defineConfig } from "./config/types.js";
export type { ConfigSettings, DriftCheck, Duration, Hooks, ResolvedConfig, ShadowSettings, UserConfig } from "./config/types.js";
export { defineMigration } from "./source/define-migration.js";
export type {
  BatchOptions,
  CheckFn,
  MigrationContext,
  MigrationDefinition,
  MigrationFn,
  MigrationLogger,
} from "./core/context.js";
export type { ErrorCode, MigrationFailure, StratumErrorOptions } from "./core/errors.js";
export type { MigratorEvent, EventType, EventOf, Listener, Direction } from "./core/events.js";
export type * from "./core/types.js";

/** Reads and merges the configuration from a config file, environment variables and flags. */
export { resolveConfig } from "./config/load.js";
export type { FlagSettings, ResolveConfigInput } from "./config/load.js";
/** Writes a new migration file from the template, numbered after the existing ones. */
export { createMigration } from "./source/create.js";
/** Converts another tool's migrations directory into Stratum's own layout, never overwriting a file. */
export { importDirectory } from "./source/import-directory.js";
export type { ImportOptions, ImportResult } from "./source/import-directory.js";
export type { ImportedFile, ImportedMigration } from "./source/import.js";
export type { LayoutName } from "./source/layouts/layout.js";
export type { LayoutFormat } from "./source/layouts/detect.js";
// The light part of the API (errors, exit codes, vocabulary, URL display, …), which the CLI loads alone.
export * from "./basics.js";
export type { OptionName, Vocabulary } from "./core/vocabulary.js";
/** Another tool's history, as `adopt` reads it (see docs/adopt.md). */
export type { ForeignChecksum, ForeignEntry, ForeignHistoryReader, ForeignTable, ForeignTool } from "./adopt/foreign-history.js";
/** Fleets: one operation over many databases (the config's `targets`); see docs/fleets.md. */
export { DEFAULT_CONCURRENCY, runFleet } from "./fleet/operations.js";
export type { FleetRequest, RunFleetOptions, TargetOperationOptions } from "./fleet/operations.js";
export { configForTarget, resolveTargets } from "./fleet/targets.js";
export type * from "./fleet/types.js";
