import type { Dialect, Queryable } from "../dialects/dialect.js";
import { ValidationError } from "../core/errors.js";
import type { AppliedMigration, LogEntry, Problem } from "../core/types.js";
import { compareVersions, idReadings, isVersion, versionKey } from "../core/version.js";
import { KNOWN_STATES, LOG_COLUMNS, STATE_COLUMNS, type LogRow, type StateRow } from "./history-columns.js";
import type { HistoryReader, HistoryTables } from "./history-store.js";

function toApplied(row: StateRow): AppliedMigration {
  return {
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
  };
}

function toLogEntry(row: LogRow): LogEntry {
  return {
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
  };
}

const corrupt = (message: string, fix: string): Problem => ({
  code: "CORRUPT_HISTORY",
  message,
  files: [],
  fix,
  severity: "error",
});

/** The rows that make sense, and a problem for each that does not. */
function checkRows(raw: readonly StateRow[], tableName: string): { rows: AppliedMigration[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  const rows: AppliedMigration[] = [];
  for (let i = 0; i < raw.length; i++) {
    const row = raw[i] as StateRow;
    const version = String(row.version);
    if (!isVersion(version)) {
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
}

export function historyReader(dialect: Dialect, tables: HistoryTables): HistoryReader {
  const state = dialect.qualifiedTable(tables.table);
  const logTable = dialect.qualifiedTable(tables.logTable);
  const tableName = tables.table;

  const inspect = async (db: Queryable) => {
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
    return checkRows(raw, tableName);
  };

  return {
    async exists(db) {
      return db.tableExists(tableName);
    },

    async read(db) {
      const { rows, problems } = await inspect(db);
      if (problems.length > 0) throw new ValidationError(problems);
      return rows;
    },

    inspect,

    async readLog(db, options = {}) {
      const limit = options.limit === undefined ? undefined : Math.max(0, Math.floor(options.limit));
      // A version filter compares versions (`4` finds `004`, `1.1` finds `1_1`), so it is applied here, not in SQL.
      const wanted = options.version === undefined ? undefined : keyOfRef(options.version);
      const sqlLimit = limit === undefined || wanted !== undefined ? "" : ` limit ${limit}`;
      const where = wanted === undefined ? "" : " where version is not null";
      let rows = await db.query<LogRow>(`select id, ${LOG_COLUMNS} from ${logTable}${where} order by id desc${sqlLimit}`);
      if (wanted !== undefined) {
        rows = rows.filter((row) => row.version !== null && row.version !== "" && keyOfRef(row.version) === wanted);
        if (limit !== undefined) rows = rows.slice(0, limit);
      }
      return rows.reverse().map(toLogEntry);
    },
  };
}

/** The canonical key of the version a version (or `003_name` id) stands for, or null when it names none. */
function keyOfRef(ref: string): string | null {
  if (isVersion(ref)) return versionKey(ref);
  const reading = idReadings(ref)[0];
  return reading === undefined ? null : versionKey(reading.version);
}
