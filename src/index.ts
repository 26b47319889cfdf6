export { createMigrator, createMigratorFromConfig } from "./migrator.js";
export type * from "./api-types.js";
export { defineConfig } from "./config/types.js";
export type { ConfigSettings, Duration, Hooks, ResolvedConfig, UserConfig } from "./config/types.js";
export { defineMigration } from "./source/define-migration.js";
export type {
  BatchOptions,
  CheckFn,
  MigrationContext,
  MigrationDefinition,
  MigrationFn,
  MigrationLogger,
} from "./core/context.js";
// Named, not `export *`: errors.ts also holds helpers the engine uses that are not public API.
export {
  BackupError,
  ConfigError,
  ConnectionError,
  describeProblem,
  EXIT,
  InterruptedError,
  IrreversibleError,
  LockTimeoutError,
  MigrationError,
  SchemaError,
  StratumError,
  summariseProblems,
  TransactionError,
  ValidationError,
} from "./core/errors.js";
export type { ErrorCode, MigrationFailure, StratumErrorOptions } from "./core/errors.js";
export type { MigratorEvent, EventType, EventOf, Listener, Direction } from "./core/events.js";
export type * from "./core/types.js";
