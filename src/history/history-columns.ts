// The columns of the state and log tables, shared by the reader and the writer.

export interface StateRow {
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

export interface LogRow {
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
export class RawSql {
  constructor(readonly sql: string) {}
}

/** `?, ?, now()` and the values for the `?`s. */
export function valuesList(values: readonly unknown[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const text = values.map((value) => (value instanceof RawSql ? value.sql : (params.push(value), "?"))).join(", ");
  return { text, params };
}

/** History writes repeat for every migration of a run. */
export const REUSE = { reuse: true } as const;

export const KNOWN_STATES: ReadonlySet<string> = new Set(["running", "applied", "failed", "rolled_back"]);

export const STATE_COLUMNS =
  "version, name, checksum, state, applied_at, duration_ms, batch, applied_by, statements_done, depends_on, error";
export const LOG_COLUMNS =
  "version, name, operation, outcome, started_at, finished_at, duration_ms, checksum, error, host, db_user, tool_version, details";

/** Where a column's value sits in the values of a row written in `columns` order. */
const positionIn = (columns: string, column: string): number => columns.split(", ").indexOf(column);
export const STATE_APPLIED_AT = positionIn(STATE_COLUMNS, "applied_at");
export const STATE_DURATION = positionIn(STATE_COLUMNS, "duration_ms");
export const LOG_STARTED_AT = positionIn(LOG_COLUMNS, "started_at");
export const LOG_FINISHED_AT = positionIn(LOG_COLUMNS, "finished_at");
export const LOG_DURATION = positionIn(LOG_COLUMNS, "duration_ms");

