import type { MigratorEvent } from "../core/events.js";
import type { Ordering, TransactionMode } from "../core/types.js";

/** Hooks are awaited in order, run under the lock, and may abort a run by throwing. */
export interface Hooks {
  readonly beforeAll?: (event: Extract<MigratorEvent, { type: "run:start" }>) => unknown;
  readonly beforeEach?: (event: Extract<MigratorEvent, { type: "migration:start" }>) => unknown;
  readonly afterEach?: (event: Extract<MigratorEvent, { type: "migration:end" }>) => unknown;
  readonly afterAll?: (event: Extract<MigratorEvent, { type: "run:end" }>) => unknown;
  readonly onError?: (event: Extract<MigratorEvent, { type: "migration:error" }>) => unknown;
}

/** The settings one environment may override. */
export interface ConfigSettings {
  readonly url?: string;
  readonly dir?: string;
  readonly ordering?: Ordering;
  readonly table?: string;
  readonly logTable?: string;
  readonly schema?: string;
  /** How long to wait for the run lock, in ms (default 10 000). */
  readonly lockTimeout?: number;
  /** Per-migration guards (ms): PostgreSQL lock_timeout / MySQL lock_wait_timeout. */
  readonly migrationLockTimeout?: number;
  /** Per-migration guard (ms): PostgreSQL statement_timeout. */
  readonly statementTimeout?: number;
  readonly parallel?: number;
  readonly transaction?: TransactionMode;
  readonly allowOutOfOrder?: boolean;
  /** Destructive commands ask for confirmation. */
  readonly protected?: boolean;
  /** A file holding the database password. */
  readonly passwordFile?: string;
  /** Where `--backup` writes (default `./backups`). */
  readonly backupDir?: string;
  readonly hooks?: Hooks;
}

/** What `stratum.config.*` holds. */
export interface UserConfig extends ConfigSettings {
  readonly environments?: Readonly<Record<string, ConfigSettings>>;
}

/** Fully merged configuration, every default filled in. */
export interface ResolvedConfig {
  readonly url: string;
  /** Absolute path of the migrations directory. */
  readonly dir: string;
  readonly ordering: Ordering;
  readonly table: string;
  readonly logTable: string;
  readonly schema: string | undefined;
  readonly lockTimeoutMs: number;
  readonly migrationLockTimeoutMs: number | undefined;
  readonly statementTimeoutMs: number | undefined;
  readonly parallel: number;
  readonly transaction: TransactionMode;
  readonly allowOutOfOrder: boolean;
  readonly protected: boolean;
  readonly passwordFile: string | undefined;
  readonly backupDir: string;
  readonly hooks: Hooks;
  /** Environment name (`--env`, `STRATUM_ENV`, `NODE_ENV`, else `development`). */
  readonly env: string;
  /** Absolute path of the config file used, if any. */
  readonly configFile: string | undefined;
  /** The directory relative paths were resolved against. */
  readonly cwd: string;
}

export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
