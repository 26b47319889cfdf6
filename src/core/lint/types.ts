// Lint as plain data: the rules' catalogue entries, what a dialect reads from one statement (its
// hits), and the findings the pure lint pass (lint.ts) returns. A dialect's statement reader lives
// with its SQL (src/dialects/<dialect>/sql/lint.ts) and is reached through `SqlDialect.lint`.

import type { StatementFacts } from "../sql-facts.js";

export type LintSeverity = "error" | "warning";

/** One rule of the catalogue: a stable kebab-case id and the two sentences of its findings. */
export interface LintRule {
  readonly id: string;
  readonly severity: LintSeverity;
  /** One sentence: what happens in production. */
  readonly happens: string;
  /** One sentence: the safe alternative. */
  readonly fix: string;
}

/** A rule one statement triggers, as its dialect reads it. */
export interface LintHit {
  readonly rule: string;
  /**
   * The table the statement acts on, when the rule concerns an existing table only: the hit is
   * dropped when the table was created earlier in the same migration (or by an earlier pending
   * migration of the same run). Lower-cased, `schema.table` when qualified.
   */
  readonly table?: string;
  /** The object named, appended to the message (`column email`). */
  readonly subject?: string;
  /** The hit holds only while no `lock_timeout` is set earlier in the migration nor configured. */
  readonly unlessLockTimeout?: boolean;
  /** The hit holds only while no constraint on `table` was validated earlier in the migration. */
  readonly unlessValidated?: boolean;
  /** The hit holds only in a migration Stratum runs in a transaction. */
  readonly inTransactionOnly?: boolean;
  /** The hit holds only when this `table.column` is known to carry a constraint or an index. */
  readonly ifConstrained?: string;
}

/** What a dialect reads from one statement for lint. */
export interface StatementLint {
  readonly hits: readonly LintHit[];
  /** It sets a lock timeout for what follows (`SET lock_timeout …`). */
  readonly setsLockTimeout?: boolean;
  /** It changes data (INSERT/UPDATE/DELETE/…). */
  readonly dml?: boolean;
  /** It is DDL the server commits on its own (not atomic with the data changes around it). */
  readonly autocommitDdl?: boolean;
  /** Tables on which it validates a constraint (`ALTER TABLE … VALIDATE CONSTRAINT`). */
  readonly validates?: readonly string[];
  /** `table.column`s it gives a constraint or an index (what a later DROP COLUMN must know). */
  readonly constrains?: readonly string[];
}

/** A dialect's lint: its own rules and its reader of one statement's facts. */
export interface DialectLint {
  /** The rules only this dialect has (the catalogue adds the shared ones). */
  readonly rules: readonly LintRule[];
  /** The rules this dialect can report, shared ones included (for the docs and `lint-ignore`). */
  readonly ruleIds: readonly string[];
  /** Reads one statement (PostgreSQL: the parse tree the table read already made). */
  statement(facts: StatementFacts): StatementLint;
  /**
   * The non-atomic-DDL rule, where the dialect's DDL commits on its own: the id of the rule a
   * migration that mixes such DDL with data changes triggers.
   */
  readonly mixedDdlRule?: string;
}

/** One finding: a rule that a statement (or a migration) triggers. */
export interface LintFinding {
  readonly rule: string;
  readonly severity: LintSeverity;
  /** `file:line` of the statement (or of the migration's first line). */
  readonly location: string;
  readonly file: string;
  readonly line: number;
  readonly version: string;
  /** One sentence: what happens in production. */
  readonly message: string;
  /** One sentence: the safe alternative. */
  readonly fix: string;
}

/** A finding a `-- stratum:lint-ignore` silenced, with the reason given. */
export interface LintSuppression {
  readonly rule: string;
  readonly location: string;
  readonly version: string;
  readonly reason: string;
  /** Where the `lint-ignore` line is. */
  readonly ignoredAt: string;
}

export interface LintResult {
  readonly findings: readonly LintFinding[];
  readonly suppressed: readonly LintSuppression[];
}
