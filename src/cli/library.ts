// The part of the library the CLI calls, as one small port. `run()` loads the real one lazily;
// unit tests pass their own.

import type {
  FleetRequest,
  FleetSummary,
  FleetTarget,
  ImportOptions,
  ImportResult,
  Migrator,
  Ordering,
  ResolvedConfig,
  RunFleetOptions,
  TargetSelection,
  TransactionMode,
} from "../index.js";

/** Settings given as command-line flags; they win over every other source. */
export interface FlagSettings {
  readonly url: string;
  readonly dir: string;
  readonly ordering: Ordering;
  readonly table: string;
  readonly logTable: string;
  readonly schema: string;
  /** Milliseconds. */
  readonly lockTimeout: number;
  readonly parallel: number;
  readonly transaction: TransactionMode;
  readonly allowOutOfOrder: boolean;
}

export interface ConfigRequest {
  readonly cwd: string;
  readonly configPath?: string;
  readonly envName?: string;
  readonly flags: Partial<FlagSettings>;
  readonly environment: Readonly<Record<string, string | undefined>>;
}

export interface CreatedMigration {
  readonly path: string;
  readonly version: string;
}

export interface CliLibrary {
  resolveConfig(request: ConfigRequest): Promise<ResolvedConfig>;
  createMigrator(config: ResolvedConfig): Migrator;
  createMigration(dir: string, name: string, kind: "sql" | "ts"): Promise<CreatedMigration>;
  /** Converts another tool's migrations directory into Stratum's own layout (`stratum import`). */
  importMigrations(dir: string, options: ImportOptions): Promise<ImportResult>;
  /** The one way a URL is shown: its password slot replaced by `***`. */
  displayUrl(url: string): string;
  /** The fleet's targets a `--target`/`--all-targets` selection takes, in the config's order. */
  resolveTargets(config: ResolvedConfig, selection: TargetSelection): Promise<FleetTarget[]>;
  /** Runs one operation over the fleet (docs/fleets.md). */
  runFleet(config: ResolvedConfig, request: FleetRequest, options: RunFleetOptions): Promise<FleetSummary>;
}

/**
 * Where the launcher (dist/cli/stratum.mjs) keeps its files, for discovery's cache: the directory
 * of its code cache, handed over under a registered symbol. Absent when the CLI runs without it.
 */
function launcherCache(): { dir: string; build: string } | undefined {
  const launcher = (globalThis as Record<symbol, unknown>)[Symbol.for("stratumdb.launcher")] as
    | { readonly build: string; readonly cacheDir: () => string | undefined }
    | undefined;
  const dir = launcher?.cacheDir();
  return launcher === undefined || dir === undefined ? undefined : { dir, build: launcher.build };
}

/** The real library. Imported dynamically so `--help` and tests do not load drivers. */
export async function loadLibrary(): Promise<CliLibrary> {
  const library = await import("../index.js");
  return {
    resolveConfig: (request) => library.resolveConfig(request),
    createMigrator: (resolved) => library.createMigratorFromConfig(resolved, { discoveryCache: launcherCache() }),
    createMigration: (dir, name, kind) => library.createMigration(dir, name, kind),
    importMigrations: (dir, options) => library.importDirectory(dir, options),
    displayUrl: (text) => library.displayUrl(text),
    resolveTargets: (config, selection) => library.resolveTargets(config, selection),
    runFleet: (config, request, options) => library.runFleet(config, request, options),
  };
}
