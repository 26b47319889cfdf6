import { stratumTables } from "../history/schema-store.js";
import type { ResolvedConfig, Hooks } from "../config/types.js";
import type { LoadedCode } from "../core/context.js";
import type { EventBus, MigratorEvent } from "../core/events.js";
import type { ExecutorPorts } from "./step.js";
import type { FaultPoints } from "./faults.js";
import type { MigrationFile, Ordering, TransactionMode } from "../core/types.js";
import type { Dialect } from "../dialects/dialect.js";
import type { HistoryStore } from "../history/history-store.js";
import type { MigrationSource } from "../source/discover.js";

/** What a migrator works on: one database (its dialect and history tables) and one set of migrations. */
export interface Target {
  readonly dialect: Dialect;
  readonly history: HistoryStore;
  readonly source: MigrationSource;
}

/** What the engine needs from its surroundings, each replaceable in a test. */
export interface Deps {
  readonly events: EventBus;
  readonly hooks: Hooks;
  readonly identity: { readonly host: string; readonly toolVersion: string; readonly env: string };
  readonly loadCode: (migration: MigrationFile) => Promise<LoadedCode>;
  readonly readFile: (path: string) => Promise<string>;
  /** Where a test may pause a run (`noFaults` in production; the composition root reads the environment). */
  readonly faults: FaultPoints;
  /**
   * Another database (a shadow) as a target with the same migrations and history table names:
   * what `verify` and `drift --replay` migrate. The caller disposes its dialect.
   */
  readonly targetAt: (url: string) => Promise<Target>;
  /** The environment a shadow provider reads (paths of server binaries). */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

/** The settings the engine reads: how to order, lock, guard, run in transactions and confirm. */
export interface Policy {
  readonly ordering: Ordering;
  readonly allowOutOfOrder: boolean;
  readonly transaction: TransactionMode;
  readonly lockTimeoutMs: number;
  readonly migrationLockTimeoutMs: number | undefined;
  readonly statementTimeoutMs: number | undefined;
  readonly parallel: number;
  /** Where backups are written. */
  readonly backupDir: string;
  /** The migrations directory, as messages name it. */
  readonly dir: string;
  readonly table: string;
  /** The log table's name (drift leaves Stratum's own tables out of snapshots). */
  readonly logTable: string;
  readonly schema: string | undefined;
  /** Destructive operations ask for confirmation. */
  readonly protected: boolean;
  /** The environment's name, as confirmations name it. */
  readonly env: string;
  /** `up` on SQLite adopts the migrations up to `PRAGMA user_version` when the history does not exist (default true). */
  readonly adoptUserVersion?: boolean;
  /** Absolute path of the schema file runs rewrite, when `schemaFile` is set. */
  readonly schemaFile?: string;
  /** `shadow.url`, when set, and where it came from. */
  readonly shadowUrl?: string;
  readonly shadowUrlOrigin?: string;
  /** What `up` does on drift (default `warn`). */
  readonly driftCheck: "warn" | "error" | "off";
  /** The run lock: `auto` (the default) asks the connection whether its session lock holds. */
  readonly lock?: "lease" | "session" | "auto";
  /**
   * false: a run that changed the schema records no snapshot of it for drift (after-run.ts).
   * Set on a shadow, which is thrown away; absent means true.
   */
  readonly recordSchema?: boolean;
  /**
   * true: a session run lock is taken on the work connection itself instead of a connection of its
   * own (a fleet's targets: `--concurrency N` then means at most N connections). Default false.
   */
  readonly oneSession?: boolean;
  /** The working directory (a default `schema.sql` is written there). */
  readonly cwd: string;
  /** The target's URL, unmasked (a shadow is made of its dialect). */
  readonly url: string;
}

/** What every operation is given: the target, the deps, the policy, and caches that live as long as the migrator. */
export interface Engine {
  readonly target: Target;
  readonly deps: Deps;
  readonly policy: Policy;
  /** The target and deps in the shape the step executor takes. */
  readonly ports: ExecutorPorts;
  readonly emit: (event: MigratorEvent) => void;
}

export function policyOf(config: ResolvedConfig): Policy {
  return {
    ordering: config.ordering,
    allowOutOfOrder: config.allowOutOfOrder,
    transaction: config.transaction,
    lockTimeoutMs: config.lockTimeoutMs,
    migrationLockTimeoutMs: config.migrationLockTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    parallel: config.parallel,
    backupDir: config.backupDir,
    dir: config.dir,
    table: config.table,
    logTable: config.logTable,
    schema: config.schema,
    protected: config.protected,
    env: config.env,
    adoptUserVersion: config.adoptUserVersion ?? true,
    ...(config.schemaFile === undefined ? {} : { schemaFile: config.schemaFile }),
    ...(config.shadow?.url === undefined ? {} : { shadowUrl: config.shadow.url }),
    ...(config.origins?.shadow === undefined ? {} : { shadowUrlOrigin: config.origins.shadow }),
    driftCheck: config.driftCheck ?? "warn",
    ...(config.lock === undefined ? {} : { lock: config.lock }),
    ...(config.oneSession === true ? { oneSession: true } : {}),
    cwd: config.cwd,
    url: config.url,
  };
}

/** Stratum's own tables (state, log, recorded schema, lease): left out of every snapshot and dump. */
export function ownTables(engine: Engine): string[] {
  return stratumTables({ table: engine.policy.table, logTable: engine.policy.logTable });
}

export function createEngine(target: Target, deps: Deps, policy: Policy): Engine {
  return {
    target,
    deps,
    policy,
    ports: { dialect: target.dialect, history: target.history, ...deps },
    emit: (event) => deps.events.emit(event),
  };
}
