// Measured lint, as plain data (issue 14, `lint --measure`): what the server did for each
// statement on the seeded shadow, and the reconciliation with the static findings: a finding the
// measurement contradicts is dropped; a rewrite, rebuild, COPY or ACCESS EXCLUSIVE lock that no
// rule predicted becomes a finding of its own (`measured-*`). Pure: the engine measures.

import type { LintFinding, LintSeverity, LintSuppression } from "./types.js";

/** What the server did for one statement (a dialect's measurement, see src/dialects/measure.ts). */
export interface MeasuredEffect {
  /** How long the statement (the accepted probe, on MySQL) took on the seeded shadow, ms. */
  readonly durationMs: number;
  /** PostgreSQL: the lock modes the statement's own backend held on each relation before commit. */
  readonly locks?: readonly { readonly relation: string; readonly modes: readonly string[] }[];
  /** PostgreSQL: the tables whose relfilenode changed (rewritten); SQLite: whose root page changed (rebuilt). */
  readonly rewritten?: readonly string[];
  /** MySQL/MariaDB: the least-blocking algorithm and lock the server accepted, or those the statement states. */
  readonly algorithm?: { readonly algorithm: string; readonly lock: string; readonly stated: boolean };
  /** PostgreSQL: the session's lock_timeout while the statement ran (`0`: none). */
  readonly lockTimeout?: string;
  /** What could not be measured and why. */
  readonly note?: string;
}

/** One statement of a linted migration, measured. */
export interface StatementMeasurement extends MeasuredEffect {
  readonly location: string;
  readonly file: string;
  readonly line: number;
  readonly version: string;
  /** The statement's first line, shortened. */
  readonly statement: string;
  /** The tables its migration touches that existed before it (the seeded ones). */
  readonly existing: readonly string[];
  /** The tables the statement names (lower-cased, as lint names them). */
  readonly tables: readonly string[];
  /** The error the statement failed with on the shadow (the measurement then says nothing else). */
  readonly error?: string;
  /** The measurement in one line: `12 ms; locks users: AccessExclusiveLock; rewritten: users`. */
  readonly summary: string;
}

/** A static finding the measurement contradicts, and how. */
export interface DroppedFinding {
  readonly finding: LintFinding;
  readonly reason: string;
}

export interface Reconciled {
  readonly findings: LintFinding[];
  readonly dropped: DroppedFinding[];
}

const STRONG = new Set(["ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]);
const REWRITE_RULES = new Set(["alter-column-type-rewrite", "add-column-volatile-default", "vacuum-full", "cluster", "alter-needs-table-rebuild"]);
const COPY_RULES = new Set(["alter-algorithm-copy"]);

const hasMode = (m: StatementMeasurement, modes: ReadonlySet<string>): boolean => (m.locks ?? []).some((l) => l.modes.some((mode) => modes.has(mode)));

/** Why the measurement contradicts a finding, or null when it does not (or says nothing about it). */
export function contradiction(f: LintFinding, m: StatementMeasurement, rewriteWord: string): string | null {
  if (m.error !== undefined) return null;
  if (REWRITE_RULES.has(f.rule) && m.rewritten !== undefined && m.rewritten.length === 0) return `the shadow showed no table ${rewriteWord === "rebuild" ? "rebuilt" : "rewritten"}`;
  if (f.rule === "require-lock-timeout" && m.locks !== undefined && !hasMode(m, new Set(["AccessExclusiveLock"]))) return "the shadow showed no ACCESS EXCLUSIVE lock taken";
  if (f.rule === "add-index-not-concurrently" && m.locks !== undefined && !hasMode(m, STRONG)) return "the shadow showed no lock that blocks writes";
  if (COPY_RULES.has(f.rule) && m.algorithm !== undefined && !m.algorithm.stated && m.algorithm.algorithm !== "COPY") return `the server accepted ALGORITHM=${m.algorithm.algorithm}, LOCK=${m.algorithm.lock}`;
  if (f.rule === "index-build-blocks-writes" && m.algorithm !== undefined && !m.algorithm.stated && m.algorithm.lock === "NONE") return `the server accepted ALGORITHM=${m.algorithm.algorithm}, LOCK=NONE`;
  return null;
}

export interface ReconcileSettings {
  /** `rewrite` (PostgreSQL) or `rebuild` (SQLite): what `rewritten` means. */
  readonly rewriteWord: string;
  readonly lockTimeoutConfigured: boolean;
}

const MEASURED: Record<string, { severity: LintSeverity; fix: string }> = {
  "measured-rewrite": { severity: "error", fix: "rewrite the change so the table keeps its storage (see the rule pages in docs/lint.md), or run it in a maintenance window" },
  "measured-rebuild": { severity: "warning", fix: "expect the whole table to be copied; on a large table run it when a long write lock is acceptable" },
  "measured-copy": { severity: "error", fix: "split the ALTER into changes the server does INSTANT or INPLACE with LOCK=NONE, or use an online schema change tool" },
  "measured-access-exclusive": { severity: "error", fix: "set lock_timeout before the statement (SET lock_timeout = '5s') so it gives up instead of queueing every query behind it" },
};

/** The findings after the measurement: contradicted ones dropped, unpredicted effects added. */
export function reconcile(findings: readonly LintFinding[], suppressed: readonly LintSuppression[], measured: readonly StatementMeasurement[], settings: ReconcileSettings): Reconciled {
  const at = new Map(measured.map((m) => [m.location, m]));
  const kept: LintFinding[] = [];
  const dropped: DroppedFinding[] = [];
  for (const f of findings) {
    const m = at.get(f.location);
    const reason = m === undefined ? null : contradiction(f, m, settings.rewriteWord);
    if (reason === null) kept.push(f);
    else dropped.push({ finding: f, reason });
  }
  const said = (location: string, rules: ReadonlySet<string> | null): boolean =>
    [...findings, ...suppressed].some((f) => f.location === location && (rules === null || rules.has(f.rule)));
  const lockTimeoutFound = new Set([...findings, ...suppressed].filter((f) => f.rule === "require-lock-timeout").map((f) => f.version));
  const add = (m: StatementMeasurement, rule: string, message: string): void => {
    const r = MEASURED[rule]!;
    kept.push({ rule, severity: r.severity, location: m.location, file: m.file, line: m.line, version: m.version, message, fix: r.fix });
  };
  for (const m of measured) {
    if (m.error !== undefined) continue;
    const existing = new Set(m.existing);
    const rewritten = (m.rewritten ?? []).filter((t) => existing.has(t.toLowerCase()));
    if (rewritten.length > 0 && !said(m.location, REWRITE_RULES)) {
      const word = settings.rewriteWord === "rebuild" ? "rebuilt" : "rewrote";
      add(m, `measured-${settings.rewriteWord}`, `${rewritten.join(", ")}: the shadow ${word} the table (a copy of every row) though no rule predicted it`);
    }
    const onExisting = m.tables.some((t) => existing.has(t));
    if (m.algorithm !== undefined && !m.algorithm.stated && m.algorithm.algorithm === "COPY" && onExisting && !said(m.location, COPY_RULES)) {
      add(m, "measured-copy", `the server accepted this ALTER only with ALGORITHM=COPY (LOCK=${m.algorithm.lock}): it copies the table and blocks writes meanwhile`);
    }
    const exclusive = (m.locks ?? []).filter((l) => l.modes.includes("AccessExclusiveLock") && existing.has(l.relation.toLowerCase())).map((l) => l.relation);
    const noTimeout = (m.lockTimeout ?? "0") === "0" && !settings.lockTimeoutConfigured;
    if (exclusive.length > 0 && noTimeout && !said(m.location, null) && !lockTimeoutFound.has(m.version)) {
      add(m, "measured-access-exclusive", `${exclusive.join(", ")}: the statement took an ACCESS EXCLUSIVE lock with no lock_timeout set, so every query on the table waits behind it`);
    }
  }
  // by migration (in run order), then by line
  const order = new Map<string, number>();
  for (const v of [...findings, ...measured].map((x) => x.version)) if (!order.has(v)) order.set(v, order.size);
  kept.sort((a, b) => (order.get(a.version) ?? 0) - (order.get(b.version) ?? 0) || a.line - b.line);
  return { findings: kept, dropped };
}

/** One line about a measurement: `12 ms; locks users: AccessExclusiveLock; rewritten users`. */
export function describeMeasurement(m: Omit<StatementMeasurement, "summary">, rewriteWord: string): string {
  if (m.error !== undefined) return `failed on the shadow: ${m.error}`;
  const parts = [`${m.durationMs} ms`];
  if (m.locks !== undefined) parts.push(m.locks.length === 0 ? "no table locks" : `locks ${m.locks.map((l) => `${l.relation}: ${l.modes.join(", ")}`).join("; ")}`);
  if (m.rewritten !== undefined) parts.push(m.rewritten.length === 0 ? `no ${rewriteWord}` : `${rewriteWord === "rebuild" ? "rebuilt" : "rewritten"}: ${m.rewritten.join(", ")}`);
  if (m.algorithm !== undefined) parts.push(`${m.algorithm.stated ? "as stated" : "accepted"} ALGORITHM=${m.algorithm.algorithm}, LOCK=${m.algorithm.lock}`);
  if (m.note !== undefined) parts.push(m.note);
  return parts.join("; ");
}
