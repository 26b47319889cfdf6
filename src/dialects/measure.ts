// Measured lint (issue 14, `stratum lint --measure`): what a dialect reads from its server while
// one statement runs on the shadow database. Each dialect module says how (DialectModule.measure);
// the engine (src/engine/lint-measure.ts) replays, seeds, and reconciles with the static findings.

import type { MeasuredEffect } from "../core/lint/measured.js";
import type { StatementFacts } from "../core/sql-facts.js";
import type { Connection } from "./dialect.js";

export type { MeasuredEffect };

/** A dialect's measuring: seeding tables with rows, and running one statement while watching the server. */
export interface DialectMeasure {
  /** What `rewritten` means on this dialect (`rewrite`, `rebuild`, `copy`): the `measured-<word>` rule. */
  readonly rewriteWord: string;
  /**
   * Fills `table` (as lint names it: lower-cased, `schema.table` when qualified) with `rows` rows
   * generated from its column types, when it exists and is empty. Returns how many rows it added,
   * or a sentence saying why it did not.
   */
  seed(conn: Connection, table: string, rows: number): Promise<number | string>;
  /** Runs the statement on `conn` (it stays applied) and says what the server did; throws what the statement threw. */
  run(conn: Connection, statement: StatementFacts): Promise<MeasuredEffect>;
  /** Resets what a migration's SET statements left on the session, before the next migration. */
  reset?(conn: Connection): Promise<void>;
}
