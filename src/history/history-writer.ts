import type { BoundStatement, Dialect, HistoryTypes, ServerClock } from "../dialects/dialect.js";
import type { AppliedMigration, LogEntry } from "../core/types.js";
import {
  LOG_COLUMNS,
  LOG_DURATION,
  LOG_FINISHED_AT,
  LOG_STARTED_AT,
  RawSql,
  REUSE,
  STATE_APPLIED_AT,
  STATE_COLUMNS,
  STATE_DURATION,
  valuesList,
} from "./history-columns.js";
import type { HistoryTables, HistoryWriter, StateChange, StateUpdate } from "./history-store.js";

function rowValues(row: AppliedMigration): unknown[] {
  return [row.version, row.name, row.checksum, row.state, row.appliedAt, row.durationMs, row.batch, row.appliedBy, row.statementsDone, row.dependsOn.join(" "), row.error];
}

function logValues(entry: LogEntry): unknown[] {
  return [
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
}

/** The SQL of the writes, for one state table and its log. */
interface WriterSql {
  readonly types: HistoryTypes;
  readonly state: string;
  readonly logTable: string;
  /** An insert that replaces the row of the same version, where the dialect has a way to. */
  upsertOf(insert: string): string;
}

function writerSql(dialect: Dialect, tables: HistoryTables): WriterSql {
  const types = dialect.historyTypes;
  const updateAll = STATE_COLUMNS.split(", ")
    .filter((column) => column !== "version")
    .map((column) => (types.upsert === "on-duplicate-key" ? `${column} = values(${column})` : `${column} = excluded.${column}`))
    .join(", ");
  return {
    types,
    state: dialect.qualifiedTable(tables.table),
    logTable: dialect.qualifiedTable(tables.logTable),
    upsertOf: (insert) =>
      types.upsert === "on-conflict"
        ? `${insert} on conflict (version) do update set ${updateAll}`
        : types.upsert === "on-duplicate-key"
          ? `${insert} on duplicate key update ${updateAll}`
          : insert,
  };
}

function stateUpdate(state: string, version: string, newState: string, fields: { readonly [K in keyof StateUpdate]: StateUpdate[K] | RawSql }): { sql: string; values: unknown[] } {
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
}

/** The statements of a migration's outcome; with a clock, timed by the server. */
function recordStatements(sql: WriterSql, change: StateChange, entry: LogEntry, clock?: ServerClock): BoundStatement[] {
  const { state, types: t } = sql;
  // with a clock, the times are the server's: they are not known when the batch is sent
  const now = clock === undefined ? undefined : new RawSql(clock.now);
  const elapsed = clock === undefined ? undefined : new RawSql(clock.elapsedMs);
  let first: BoundStatement;
  const before: BoundStatement[] = [];
  if (change.kind === "state") {
    const fields = elapsed !== undefined && change.fields?.durationMs !== undefined ? { ...change.fields, durationMs: elapsed } : (change.fields ?? {});
    const update = stateUpdate(state, change.version, change.state, fields);
    first = { sql: update.sql, params: update.values };
  } else {
    const values = rowValues(change.row);
    if (now !== undefined && change.row.appliedAt !== null) values[STATE_APPLIED_AT] = now;
    if (elapsed !== undefined && change.row.durationMs !== null) values[STATE_DURATION] = elapsed;
    const list = valuesList(values);
    const insert = `insert into ${state} (${STATE_COLUMNS}) values (${list.text})`;
    if (change.kind === "write" && t.upsert === undefined) before.push({ sql: `delete from ${state} where version = ?`, params: [change.row.version] });
    first = { sql: change.kind === "insert" ? insert : sql.upsertOf(insert), params: list.params };
  }
  const logged: unknown[] = logValues(entry);
  if (clock !== undefined) {
    logged[LOG_STARTED_AT] = new RawSql(clock.startedAt);
    logged[LOG_FINISHED_AT] = now;
    logged[LOG_DURATION] = elapsed;
  }
  const log = valuesList(logged);
  const logSql = `insert into ${sql.logTable} (${LOG_COLUMNS}) values (${log.text})`;
  // the state row and the log row in one statement where data-modifying WITH exists
  if (t.writableCte && before.length === 0) {
    return [{ sql: `with changed as (${first.sql} returning 1) ${logSql}`, params: [...first.params, ...log.params] }];
  }
  return [...before, first, { sql: logSql, params: log.params }];
}

export function historyWriter(dialect: Dialect, tables: HistoryTables): HistoryWriter {
  const sql = writerSql(dialect, tables);
  const { state, logTable, types: t } = sql;
  const upsertSql = sql.upsertOf(`insert into ${state} (${STATE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const logInsertSql = `insert into ${logTable} (${LOG_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const statementsOf = (change: StateChange, entry: LogEntry, clock?: ServerClock) => recordStatements(sql, change, entry, clock);

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

    async write(db, row) {
      if (t.upsert === undefined) await db.query(`delete from ${state} where version = ?`, [row.version]);
      await db.query(upsertSql, rowValues(row), REUSE);
    },

    async setState(db, version, newState, fields = {}) {
      const update = stateUpdate(state, version, newState, fields);
      await db.query(update.sql, update.values, REUSE);
    },

    async record(db, change, entry) {
      for (const statement of statementsOf(change, entry)) await db.query(statement.sql, statement.params, REUSE);
    },

    recordStatements: statementsOf,

    async remove(db, version) {
      await db.query(`delete from ${state} where version = ?`, [version]);
    },

    async log(db, entry) {
      await db.query(logInsertSql, logValues(entry), REUSE);
    },

    async nextBatch(db) {
      const rows = await db.query<{ b: number | string | null }>(`select max(batch) as b from ${state}`);
      return Number(rows[0]?.b ?? 0) + 1;
    },
  };
}
