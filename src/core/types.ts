// Plain data shared by every layer. Nothing here performs I/O.

/**
 * A dialect's name, as its registry entry gives it (src/dialects/registry.ts, the only list of
 * dialects); core code never compares it with a particular name.
 */
export type DialectName = string;

/** A statement cut out of a SQL script, with where it starts in its file. */
export interface Statement {
  /** The statement text, without the trailing delimiter. */
  readonly text: string;
  /** 1-based line in the file where the statement's first significant character is. */
  readonly line: number;
  /** 0-based offset of that character in the file. */
  readonly offset: number;
}

/** A section of SQL taken from a file (`up`, `down` or `verify`), located in that file. */
export interface SqlScript {
  /** Path of the file relative to the migrations directory. */
  readonly file: string;
  /** The section's text. Lines keep their numbering through `startLine`. */
  readonly text: string;
  /** 1-based line in `file` of the first line of `text`. */
  readonly startLine: number;
  /**
   * Statement boundaries the file itself marks (goose `StatementBegin/End`, drizzle
   * `--> statement-breakpoint`): when present, these are the statements, in order, and the
   * dialect's splitter is not used. `line` is 1-based in `file`; `offset` is into `text`.
   */
  readonly statements?: readonly { readonly text: string; readonly line: number; readonly offset: number }[];
}

/** Server flavour and version, for `-- stratum:requires`. */
export interface ServerInfo {
  /**
   * The flavour this server is, as requirements name it after the registry maps them
   * (`postgres`, `mysql`, `mariadb`, `sqlite`): a requirement on this flavour is checked against
   * `version`, one on another flavour does not apply to this server.
   */
  readonly flavor: string;
  readonly version: string;
}

/** A version requirement from `-- stratum:requires postgres>=13`. */
export interface Requirement {
  /** The server flavour it speaks of (a requirement name mapped by the registry, e.g. `postgresql` → `postgres`). */
  readonly dialect: string;
  readonly op: ">=" | ">" | "<=" | "<" | "=";
  readonly version: string;
  /** Where it was declared, `file:line`. */
  readonly source: string;
}

/** Options a migration declares about itself (SQL header directives or `defineMigration`). */
export interface MigrationOptions {
  readonly description?: string;
  /** Versions (or full file stems) this migration depends on. */
  readonly dependsOn: readonly string[];
  /** `false` runs statements outside a transaction; `undefined` uses the configured mode. */
  readonly transaction?: boolean;
  /**
   * The same for the down direction, from a directive in a separate down file (or a tool's own
   * down marker option); `undefined` means the down follows `transaction`.
   */
  readonly downTransaction?: boolean;
  readonly irreversible: boolean;
  readonly requires: readonly Requirement[];
  /** Tables a code migration declares it touches (for conflict detection). */
  readonly tables?: readonly string[];
  /** `stratum verify` applies it without verifying, for this reason (`-- stratum:verify skip <reason>`, `skipVerify`). */
  readonly verifySkip?: string;
  /** `-- stratum:lint-ignore <rule> <reason>` lines of the header: line (1-based, in `files[0]`) and value. */
  readonly lintIgnore?: readonly { readonly line: number; readonly text: string }[];
}

/**
 * A migration found on disk. Pure data: code migrations are not imported here,
 * their options are read when they are loaded (see `LoadedCode`).
 */
export interface MigrationFile {
  /**
   * The version as written in the file name, e.g. `001`; other tools' layouts may give parts
   * (Flyway's `1.1`, `2024.01.05.1`, `1_1`). Order and compare with core/version.ts
   * (`compareVersions`, `versionKey`), never as a number.
   */
  readonly version: string;
  /** The slug, e.g. `create_users`. */
  readonly name: string;
  /** `<version>_<slug>`, the file stem without extension or `.up`/`.down`. */
  readonly id: string;
  readonly kind: "sql" | "code";
  /** Files that make up the migration, relative to the directory (one, or the up/down pair). */
  readonly files: readonly string[];
  /** Absolute path of the main file (the `.up.sql` file for pairs). */
  readonly path: string;
  /** SHA-256 (hex) of the normalised text of every file, in order (code: then every `includes` file). */
  readonly checksum: string;
  /**
   * Code migrations read from disk: the files their source runs through `ctx.execFile("…")`, as
   * written (relative to the directory), part of the checksum. Only these may be run through
   * `ctx.execFile`. Absent for migrations from other sources (no check).
   */
  readonly includes?: readonly string[];
  /** What to add for a rollback when there is no down, in its layout's words (see LayoutUnit.downHint). */
  readonly downHint?: string;
  /** Other keys the migration's own tool knows it by (from its layout: drizzle's journal `when`). */
  readonly aliases?: readonly string[];
  /** SQL migrations: parsed sections. `null` when absent. */
  readonly up: SqlScript | null;
  readonly down: SqlScript | null;
  readonly verify: SqlScript | null;
  /** SQL migrations: options from header directives. Code migrations: defaults until loaded. */
  readonly options: MigrationOptions;
}

export type MigrationState = "pending" | "running" | "applied" | "failed" | "rolled_back";

/** A row of the state table. */
export interface AppliedMigration {
  readonly version: string;
  readonly name: string;
  readonly checksum: string;
  readonly state: Exclude<MigrationState, "pending">;
  /** ISO-8601 UTC. */
  readonly appliedAt: string | null;
  readonly durationMs: number | null;
  readonly batch: number;
  readonly appliedBy: string | null;
  /** Statements completed so far (non-transactional runs). */
  readonly statementsDone: number;
  /** Dependencies as they were when applied (for graph rollbacks without importing code). */
  readonly dependsOn: readonly string[];
  readonly error: string | null;
}

export type LogOperation = "apply" | "rollback" | "repair" | "baseline" | "resolve" | "backup" | "adopt";
/** `interrupted`: stopped by Ctrl-C/SIGTERM (or the run's AbortSignal), not by an error of its own. */
export type LogOutcome = "success" | "failure" | "interrupted";

/** A row of the log table. Nothing is ever deleted from it. */
export interface LogEntry {
  readonly id?: number;
  readonly version: string | null;
  readonly name: string | null;
  readonly operation: LogOperation;
  readonly outcome: LogOutcome;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly checksum: string | null;
  readonly error: string | null;
  readonly host: string;
  readonly dbUser: string | null;
  readonly toolVersion: string;
  /** Free text: backup path, resolve reason, … */
  readonly details: string | null;
}

export type Ordering = "linear" | "graph";
export type TransactionMode = "each" | "all" | "none";

/** What the user asked for. */
export type PlanRequest =
  | {
      readonly direction: "up";
      readonly to?: string;
      readonly step?: number;
    }
  | {
      readonly direction: "down";
      readonly to?: string;
      readonly step?: number;
      readonly batch?: boolean;
      readonly all?: boolean;
      /** Roll back exactly these versions (graph mode `down <version>`). */
      readonly versions?: readonly string[];
    };

export interface PlanPolicy {
  readonly ordering: Ordering;
  readonly allowOutOfOrder: boolean;
}

export interface PlanStep {
  readonly direction: "up" | "down";
  readonly migration: MigrationFile;
  /** Why this step is in the plan, for `plan` output. */
  readonly reason: string;
  /** Versions this step must wait for (graph mode; the previous step in linear mode). */
  readonly after: readonly string[];
}

export type ProblemCode =
  | "MALFORMED_NAME"
  | "DUPLICATE_VERSION"
  | "VERSION_MISMATCH"
  | "BAD_DIRECTIVE"
  | "BAD_SECTION"
  | "EMPTY_MIGRATION"
  | "UNKNOWN_DEPENDENCY"
  | "SELF_DEPENDENCY"
  | "FORWARD_DEPENDENCY"
  | "DEPENDENCY_CYCLE"
  | "MISSING_FILE"
  | "CHECKSUM_MISMATCH"
  | "RENAMED_MIGRATION"
  | "OUT_OF_ORDER"
  | "DIRTY"
  | "IRREVERSIBLE"
  | "NO_DOWN"
  | "UNKNOWN_VERSION"
  | "UNMET_REQUIREMENT"
  | "TRANSACTION_REQUIRED_OFF"
  | "TRANSACTION_MIXED"
  | "TRANSACTION_CONTROL"
  | "CONFLICT"
  | "CORRUPT_HISTORY"
  | "LINT"
  | "SCHEMA_DRIFT";

/** Something wrong, as data: the planner returns all of them at once. */
export interface Problem {
  readonly code: ProblemCode;
  /** One sentence: what is wrong. */
  readonly message: string;
  /** Files involved, relative to the migrations directory, `file` or `file:line`. */
  readonly files: readonly string[];
  /** One sentence: what to do. */
  readonly fix: string;
  /** Warnings do not stop a run. */
  readonly severity: "error" | "warning";
  readonly versions?: readonly string[];
}

export type Plan =
  | { readonly ok: true; readonly steps: readonly PlanStep[]; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export type StatusState = MigrationState | "changed" | "renamed" | "missing";

export interface StatusEntry {
  readonly version: string;
  readonly name: string;
  readonly state: StatusState;
  readonly checksum: string | null;
  readonly appliedAt: string | null;
  readonly durationMs: number | null;
  readonly file: string | null;
}

/** Another tool's layout a migrations directory was read as (`goose`, `flyway`, …), and how it was chosen. */
export interface LayoutUsed {
  readonly name: string;
  /** True: detected from the directory; false: named by `format` in the config. */
  readonly detected: boolean;
}

/**
 * What `up` does first on a SQLite database kept by `PRAGMA user_version` alone (no Stratum
 * history yet, user_version > 0): adopt the migrations up to it, or refuse (`refusal` says why).
 */
export interface UserVersionAhead {
  /** The user_version read, as digits. */
  readonly head: string;
  /** Versions `up` would record as applied without running them (empty when it refuses). */
  readonly adopt: readonly string[];
  /** Why `up` would refuse, with the fix; null when it adopts. */
  readonly refusal: string | null;
  /** One sentence saying which. */
  readonly message: string;
}

export interface StatusReport {
  /** The other tool's layout the migrations directory was read as; absent for Stratum's own. */
  readonly layout?: LayoutUsed;
  /** Present when `up` would first adopt (or refuse) a database kept by PRAGMA user_version. */
  readonly userVersion?: UserVersionAhead;
  readonly migrations: readonly StatusEntry[];
  readonly pending: number;
  readonly dirty: boolean;
  readonly problems: readonly Problem[];
}
