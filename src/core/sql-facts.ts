// What a dialect's analysis of a migration's SQL finds, as plain data: the checks in core/
// (conflicts, transaction control, non-transactional statements, later lint rules) read these
// facts and never lex SQL themselves. The analysis lives in src/sql/analysis/ and the dialects.

import type { Statement } from "./types.js";

/** The tables something touches, by kind of use. Names lower-cased, `schema.table` when qualified. */
export interface TableUse {
  readonly creates: readonly string[];
  readonly alters: readonly string[];
  readonly drops: readonly string[];
  readonly writes: readonly string[];
  readonly reads: readonly string[];
}

export const NO_TABLES: TableUse = Object.freeze({
  creates: [],
  alters: [],
  drops: [],
  writes: [],
  reads: [],
});

/** A statement that would end, nest or disable the transaction Stratum runs a migration in. */
export interface TransactionControl {
  /** The statement as a user names it: `COMMIT`, `START TRANSACTION`, `SET autocommit = 0`. */
  readonly statement: string;
  /**
   * `transaction`: it ends, or tries to open, a transaction, which matters where Stratum runs
   * the migration in a transaction of its own. `session`: it stops Stratum's state and log rows
   * from committing on their own, which matters wherever the migration runs.
   */
  readonly breaks: "transaction" | "session";
}

/** One statement of a script and what it does (`text`, `line`, `offset` as the splitter gives them). */
export interface StatementFacts extends Statement {
  /**
   * The tables it touches and how. Read on first use, once (PostgreSQL: from its own parse tree
   * when the parser is loaded, see `SqlDialect.load`; else, and elsewhere, from the tokens).
   */
  readonly tables: TableUse;
  /** The transaction control it is, or null. */
  readonly transactionControl: TransactionControl | null;
  /** Why the server refuses it inside a transaction (e.g. `CREATE INDEX CONCURRENTLY`), or null. */
  readonly nonTransactionalReason: string | null;
}

/** A construct a script ends inside of: "unterminated <kind> starting at line <line>". */
export interface OpenConstruct {
  /** e.g. `dollar-quoted string`, `block comment`, `BEGIN … END block`. */
  readonly kind: string;
  /** 1-based line where it opens. */
  readonly line: number;
}

/** A script (one SQL section) and its statements' facts. */
export interface ScriptFacts {
  readonly statements: readonly StatementFacts[];
  /** The construct the script ends inside of, or null. */
  readonly unterminated: OpenConstruct | null;
  /** Every statement's tables, in order of first appearance (read on first use, once). */
  readonly tables: TableUse;
}

/** Analyses SQL text: every statement read once. Implemented by each dialect. */
export interface SqlAnalyser {
  /** The facts of `text`, lines numbered from `firstLine` (default 1: the text's own numbering). */
  analyse(text: string, firstLine?: number): ScriptFacts;
}

/** `tables` of each item merged: names in order of first appearance, without duplicates. */
export function mergeTableUses(uses: Iterable<TableUse>): TableUse {
  const sets = { creates: new Set<string>(), alters: new Set<string>(), drops: new Set<string>(), writes: new Set<string>(), reads: new Set<string>() };
  for (const use of uses) {
    for (const name of use.creates) sets.creates.add(name);
    for (const name of use.alters) sets.alters.add(name);
    for (const name of use.drops) sets.drops.add(name);
    for (const name of use.writes) sets.writes.add(name);
    for (const name of use.reads) sets.reads.add(name);
  }
  return { creates: [...sets.creates], alters: [...sets.alters], drops: [...sets.drops], writes: [...sets.writes], reads: [...sets.reads] };
}
