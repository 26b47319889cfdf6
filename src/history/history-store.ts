import type { BoundStatement, Connection, Dialect, Queryable, ServerClock } from "../dialects/dialect.js";
import { ValidationError } from "../core/errors.js";
import type { AppliedMigration, LogEntry, MigrationState, Problem } from "../core/types.js";
import { compareVersions, versionKey } from "../core/version.js";

/**
 * The state table (one row per migration ever applied) and the log (one row per attempt).
 * Stateless: every method takes the Queryable, so a history write shares the migration's
 * transaction. Identifiers are always quoted, values always bound.
 */
export interface HistoryStore {
  ensureTables(db: Queryable): Promise<void>;
  /** Whether the state table exists (read-only commands do not create it). */
  exists(db: Pick<Connection, "tableExists">): Promise<boolean>;
  /** The state rows; throws a ValidationError when the table cannot be trusted (see `inspect`). */
  read(db: Queryable): Promise<AppliedMigration[]>;
  /**
   * The state rows that make sense, and a CORRUPT_HISTORY problem for each that does not (a
   * version that is not digits, an unknown state, a version recorded twice, a table missing a
   * column): status shows what it can, every other command refuses to run.
   */
  inspect(db: Queryable): Promise<{ rows: AppliedMigration[]; problems: Problem[] }>;
  /** Inserts or replaces the state row of a migration. */
  write(db: Queryable, row: AppliedMigration): Promise<void>;
  /**
   * A migration's outcome: its state row written (or its state changed) and its log row, in as
   * few round trips as the dialect allows (one on PostgreSQL).
   */
  record(db: Queryable, change: StateChange, entry: LogEntry): Promise<void>;
  /**
   * The statements `record` runs. With a `clock`, for sending in one batch with the migration
   * itself: the times and durations are then the server's, as they are not known when it is sent.
   */
  recordStatements(change: StateChange, entry: LogEntry, clock?: ServerClock): BoundStatement[];
  setState(db: Queryable, version: string, state: Exclude<MigrationState, "pending">, fields?: StateUpdate): Promise<void>;
  remove(db: Queryable, version: string): Promise<void>;
  log(db: Queryable, entry: LogEntry): Promise<void>;
  readLog(db: Queryable, options?: { limit?: number; version?: string }): Promise<LogEntry[]>;
  /** The next batch number. */
  nextBatch(db: Queryable): Promise<number>;
}

export interface StateUpdate {
  readonly statementsDone?: number;
  readonly error?: string | null;
  readonly durationMs?: number | null;
  readonly appliedAt?: string | null;
  readonly checksum?: string;
  /** The migration's name (slug), when its file was renamed (`repair`). */
  readonly name?: string;
}

export type StateChange =
  | { readonly kind: "insert"; readonly row: AppliedMigration }
  | { readonly kind: "write"; readonly row: AppliedMigration }
  | { readonly kind: "state"; readonly version: string; readonly state: Exclude<MigrationState, "pending">; readonly fields?: StateUpdate };

export interface HistoryTables {
  readonly table: string;
  readonly logTable: string;
}

interface StateRow {
  version: string;
  name: string;
  checksum: string;
  state: string;
  applied_at: string | null;
  duration_ms: number | string | null;
  batch: number | string;
  applied_by: string | null;
  statements_done: number | string | null;
  depends_on: string | null;
  error: string | null;
}

interface LogRow {
  id: number | string;
  version: string | null;
  name: string | null;
  operation: string;
  outcome: string;
  started_at: string;
  finished_at: string;
  duration_ms: number | string;
  checksum: string | null;
  error: string | null;
  host: string | null;
  db_user: string | null;
  tool_version: string | null;
  details: string | null;
}

/** A SQL expression standing in a row for a value (the server's clock). */
class RawSql {
  constructor(readonly sql: string) {}
}

/** `?, ?, now()` and the values for the `?`s. */
function valuesList(values: readonly unknown[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const text = values.map((value) => (value instanceof RawSql ? value.sql : (params.push(value), "?"))).join(", ");
  return { text, params };
}

/** History writes repeat for every migration of a run. */
const REUSE = { reuse: true } as const;

const KNOWN_STATES: ReadonlySet<string> = new Set(["running", "applied", "failed", "rolled_back"]);

const STATE_COLUMNS =
  "version, name, checksum, state, applied_at, duration_ms, batch, applied_by, statements_done, depends_on, error";
const LOG_COLUMNS =
  "version, name, operation, outcome, started_at, finished_at, duration_ms, checksum, error, host, db_user, tool_version, details";

/** Where a column's value sits in the values of a row written in `columns` order. */
const positionIn = (columns: string, column: string): number => columns.split(", ").indexOf(column);
const STATE_APPLIED_AT = positionIn(STATE_COLUMNS, "applied_at");
const STATE_DURATION = positionIn(STATE_COLUMNS, "duration_ms");
const LOG_STARTED_AT = positionIn(LOG_COLUMNS, "started_at");
const LOG_FINISHED_AT = positionIn(LOG_COLUMNS, "finished_at");
const LOG_DURATION = positionIn(LOG_COLUMNS, "duration_ms");

export function historyStore(dialect: Dialect, tables: HistoryTables): HistoryStore {
  const t = dialect.historyTypes;
  const state = dialect.qualifiedTable(tables.table);
  const logTable = dialect.qualifiedTable(tables.logTable);
  const tableName = tables.table;

  const toApplied = (row: StateRow): AppliedMigration => ({
    version: String(row.version),
    name: row.name,
    checksum: row.checksum,
    state: row.state as AppliedMigration["state"],
    appliedAt: row.applied_at,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    batch: Number(row.batch),
    appliedBy: row.applied_by,
    statementsDone: Number(row.statements_done ?? 0),
    dependsOn: row.depends_on ? row.depends_on.split(" ").filter(Boolean) : [],
    error: row.error,
  });

  const insertState = `insert into ${state} (${STATE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const updateAll = STATE_COLUMNS.split(", ")
    .filter((column) => column !== "version")
    .map((column) => (t.upsert === "on-duplicate-key" ? `${column} = values(${column})` : `${column} = excluded.${column}`))
    .join(", ");
  /** An insert that replaces the row of the same version, where the dialect has a way to. */
  const upsertOf = (insert: string): string =>
    t.upsert === "on-conflict"
      ? `${insert} on conflict (version) do update set ${updateAll}`
      : t.upsert === "on-duplicate-key"
        ? `${insert} on duplicate key update ${updateAll}`
        : insert;
  const upsertSql = upsertOf(insertState);
  const logInsertSql = `insert into ${logTable} (${LOG_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

  const rowValues = (row: AppliedMigration): unknown[] => [
    row.version,
    row.name,
    row.checksum,
    row.state,
    row.appliedAt,
    row.durationMs,
    row.batch,
    row.appliedBy,
    row.statementsDone,
    row.dependsOn.join(" "),
    row.error,
  ];
  const logValues = (entry: LogEntry): unknown[] => [
    entry.version,
    entry.name,
    entry.operation,
    entry.outcome,
    entry.startedAt,
    entry.finishedAt,
    Math.round(entry.durationMs),
    entry.checksum,
    entry.error,
    entry.host,
    entry.dbUser,
    entry.toolVersion,
    entry.details,
  ];
  const stateUpdate = (version: string, newState: string, fields: { readonly [K in keyof StateUpdate]: StateUpdate[K] | RawSql }): { sql: string; values: unknown[] } => {
    const sets = ["state = ?"];
    const values: unknown[] = [newState];
    const add = (column: string, value: unknown) => {
      if (value instanceof RawSql) {
        sets.push(`${column} = ${value.sql}`);
        return;
      }
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (fields.statementsDone !== undefined) add("statements_done", fields.statementsDone);
    if (fields.error !== undefined) add("error", fields.error);
    if (fields.durationMs !== undefined) add("duration_ms", fields.durationMs);
    if (fields.appliedAt !== undefined) add("applied_at", fields.appliedAt);
    if (fields.checksum !== undefined) add("checksum", fields.checksum);
    if (fields.name !== undefined) add("name", fields.name);
    return { sql: `update ${state} set ${sets.join(", ")} where version = ?`, values: [...values, version] };
  };

  return {
    async ensureTables(db) {
      await db.exec(
        `create table if not exists ${state} (` +
          `version ${t.key} not null primary key, name ${t.key} not null, checksum ${t.key} not null, ` +
          `state ${t.key} not null, applied_at ${t.key}, duration_ms ${t.bigint}, batch ${t.integer} not null, ` +
          `applied_by ${t.text}, statements_done ${t.integer} not null, depends_on ${t.text}, error ${t.text})`,
      );
      await db.exec(
        `create table if not exists ${logTable} (` +
          `id ${t.autoId}, version ${t.key}, name ${t.key}, operation ${t.key} not null, outcome ${t.key} not null, ` +
          `started_at ${t.key} not null, finished_at ${t.key} not null, duration_ms ${t.bigint} not null, ` +
          `checksum ${t.key}, error ${t.text}, host ${t.text}, db_user ${t.text}, tool_version ${t.key}, details ${t.text})`,
      );
    },

    async exists(db) {
      return db.tableExists(tableName);
    },

    async read(db) {
      const { rows, problems } = await this.inspect(db);
      if (problems.length > 0) throw new ValidationError(problems);
      return rows;
    },

    async inspect(db) {
      const corrupt = (message: string, fix: string): Problem => ({
        code: "CORRUPT_HISTORY",
        message,
        files: [],
        fix,
        severity: "error",
      });
      let raw: StateRow[];
      try {
        raw = await db.query<StateRow>(`select ${STATE_COLUMNS} from ${state}`);
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
        return {
          rows: [],
          problems: [
            corrupt(
              `the state table ${tableName} cannot be read (${reason.slice(0, 300)}); its columns must be ${STATE_COLUMNS}`,
              "restore the table from a backup; stratum does not guess what was applied",
            ),
          ],
        };
      }
      const problems: Problem[] = [];
      const seen = new Map<string, string>();
      const rows: AppliedMigration[] = [];
      for (const row of raw) {
        const version = String(row.version);
        if (!/^\d+$/.test(version)) {
          problems.push(corrupt(`the state table ${tableName} has a row with version "${version.slice(0, 80)}", which is not a migration version`, `delete or correct that row of ${tableName}`));
          continue;
        }
        if (!KNOWN_STATES.has(row.state)) {
          problems.push(corrupt(`the state table ${tableName} records migration ${version} as "${String(row.state).slice(0, 40)}", which is not a state stratum writes`, `correct the row's state in ${tableName} (applied, failed, running or rolled_back); stratum will not guess it`));
          continue;
        }
        const key = versionKey(version);
        const other = seen.get(key);
        if (other !== undefined) {
          problems.push(corrupt(`the state table ${tableName} records migration ${version} twice (as "${other}" and "${version}")`, `delete the duplicate row from ${tableName}`));
          continue;
        }
        seen.set(key, version);
        rows.push(toApplied(row));
      }
      rows.sort((a, b) => compareVersions(a.version, b.version));
      return { rows, problems };
    },

    async write(db, row) {
      if (t.upsert === undefined) await db.query(`delete from ${state} where version = ?`, [row.version]);
      await db.query(upsertSql, rowValues(row), REUSE);
    },

    async setState(db, version, newState, fields = {}) {
      const update = stateUpdate(version, newState, fields);
      await db.query(update.sql, update.values, REUSE);
    },

    async record(db, change, entry) {
      for (const statement of this.recordStatements(change, entry)) await db.query(statement.sql, statement.params, REUSE);
    },

    recordStatements(change, entry, clock) {
      // with a clock, the times are the server's: they are not known when the batch is sent
      const now = clock === undefined ? undefined : new RawSql(clock.now);
      const elapsed = clock === undefined ? undefined : new RawSql(clock.elapsedMs);
      let first: BoundStatement;
      const before: BoundStatement[] = [];
      if (change.kind === "state") {
        const fields = elapsed !== undefined && change.fields?.durationMs !== undefined ? { ...change.fields, durationMs: elapsed } : (change.fields ?? {});
        const update = stateUpdate(change.version, change.state, fields);
        first = { sql: update.sql, params: update.values };
      } else {
        const values = rowValues(change.row);
        if (now !== undefined && change.row.appliedAt !== null) values[STATE_APPLIED_AT] = now;
        if (elapsed !== undefined && change.row.durationMs !== null) values[STATE_DURATION] = elapsed;
        const list = valuesList(values);
        const insert = `insert into ${state} (${STATE_COLUMNS}) values (${list.text})`;
        const sql = change.kind === "insert" ? insert : upsertOf(insert);
        if (change.kind === "write" && t.upsert === undefined) before.push({ sql: `delete from ${state} where version = ?`, params: [change.row.version] });
        first = { sql, params: list.params };
      }
      const logged: unknown[] = logValues(entry);
      if (clock !== undefined) {
        logged[LOG_STARTED_AT] = new RawSql(clock.startedAt);
        logged[LOG_FINISHED_AT] = now;
        logged[LOG_DURATION] = elapsed;
      }
      const log = valuesList(logged);
      const logSql = `insert into ${logTable} (${LOG_COLUMNS}) values (${log.text})`;
      // the state row and the log row in one statement where data-modifying WITH exists
      if (t.writableCte && before.length === 0) {
        return [{ sql: `with changed as (${first.sql} returning 1) ${logSql}`, params: [...first.params, ...log.params] }];
      }
      return [...before, first, { sql: logSql, params: log.params }];
    },

    async remove(db, version) {
      await db.query(`delete from ${state} where version = ?`, [version]);
    },

    async log(db, entry) {
      await db.query(logInsertSql, logValues(entry), REUSE);
    },

    async readLog(db, options = {}) {
      const limit = options.limit === undefined ? undefined : Math.max(0, Math.floor(options.limit));
      // A version filter compares as integers (`4` finds `004`), so it is applied here, not in SQL.
      const wanted = options.version === undefined ? undefined : digitsOf(options.version);
      const sqlLimit = limit === undefined || wanted !== undefined ? "" : ` limit ${limit}`;
      const where = wanted === undefined ? "" : " where version is not null";
      let rows = await db.query<LogRow>(`select id, ${LOG_COLUMNS} from ${logTable}${where} order by id desc${sqlLimit}`);
      if (wanted !== undefined) {
        rows = rows.filter((row) => row.version !== null && row.version !== "" && digitsOf(row.version) === wanted);
        if (limit !== undefined) rows = rows.slice(0, limit);
      }
      return rows.reverse().map((row) => ({
        id: Number(row.id),
        version: row.version,
        name: row.name,
        operation: row.operation as LogEntry["operation"],
        outcome: row.outcome as LogEntry["outcome"],
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        durationMs: Number(row.duration_ms),
        checksum: row.checksum,
        error: row.error,
        host: row.host ?? "",
        dbUser: row.db_user,
        toolVersion: row.tool_version ?? "",
        details: row.details,
      }));
    },

    async nextBatch(db) {
      const rows = await db.query<{ b: number | string | null }>(`select max(batch) as b from ${state}`);
      return Number(rows[0]?.b ?? 0) + 1;
    },
  };
}

/** The integer a version (or `003_name` id) stands for, or null when it has no leading digits. */
function digitsOf(ref: string): bigint | null {
  const match = /^\s*(\d+)/.exec(ref);
  return match?.[1] === undefined ? null : BigInt(match[1]);
}

