import type { DialectLint } from "../../core/lint/types.js";
import type { SqlAnalyser } from "../../core/sql-facts.js";
import type { Statement } from "../../core/types.js";

export interface SplitOptions {
  /** MySQL honours DELIMITER lines (default true); other dialects ignore this. */
  readonly allowDelimiter?: boolean;
}

/** A dialect's SQL: how its scripts split into statements and what each statement does. */
export interface SqlDialect extends SqlAnalyser {
  /** Splits a script into statements (lines counted from its first line). */
  split(text: string, options?: SplitOptions): Statement[];
  /**
   * Loads what a better analysis needs (PostgreSQL's parser, for tables). Await it before a run's
   * first analysis: tables read before it is loaded come from the tokens.
   */
  load?(): Promise<void>;
  /** The dialect's lint: its own rules and its reader of one statement (`stratum lint`). */
  readonly lint?: DialectLint;
}
