// The lint pass: pure. Reads each migration's section facts (the one analysis pass) through its
// dialect's statement reader, applies the shared and the dialect's rules, and the suppressions.

import type { ScriptFacts, StatementFacts } from "../sql-facts.js";
import type { MigrationFile } from "../types.js";
import { SHARED_RULES } from "./rules.js";
import { readIgnore, sectionIgnores, type IgnoreLine } from "./suppress.js";
import type { DialectLint, LintFinding, LintHit, LintResult, LintRule, LintSuppression } from "./types.js";

/** One migration to lint, with the facts of its sections. */
export interface LintInput {
  readonly migration: MigrationFile;
  readonly up: ScriptFacts | null;
  readonly down: ScriptFacts | null;
  /** Pending: the tables it creates count as new for the migrations after it. */
  readonly pending: boolean;
  /** False: read only for what later migrations need to know (its constraints), not reported. */
  readonly report?: boolean;
}

export interface LintSettings {
  /** A lock timeout is configured for migrations (`migrationLockTimeout`). */
  readonly lockTimeoutConfigured: boolean;
  /** Migrations run in a transaction unless they say otherwise (the transaction mode is not `none`). */
  readonly transactions: boolean;
}

/** Every rule a dialect can report, by id. */
export function lintCatalogue(dialect: DialectLint): Map<string, LintRule> {
  return new Map([...SHARED_RULES, ...dialect.rules].map((r) => [r.id, r]));
}

/** What the migrations before this one in the run leave known. */
interface RunState {
  readonly created: Set<string>;
  readonly constrained: Set<string>;
}

/** Lints migrations in order; the tables pending ones create are new for those after them. */
export function lintMigrations(inputs: readonly LintInput[], dialect: DialectLint, settings: LintSettings): LintResult {
  const catalogue = lintCatalogue(dialect);
  const run: RunState = { created: new Set(), constrained: new Set() };
  const findings: LintFinding[] = [];
  const suppressed: LintSuppression[] = [];
  for (const input of inputs) {
    if (input.migration.kind !== "sql") continue;
    // an applied migration's tables are existing ones; what it constrains is known all the same
    const state: RunState = input.pending ? run : { created: new Set(run.created), constrained: run.constrained };
    const raw = lintOne(input, dialect, settings, catalogue, state);
    if (input.report === false) continue;
    const out = applyIgnores(input.migration, raw, catalogue, statementStarts(input));
    findings.push(...out.findings);
    suppressed.push(...out.suppressed);
  }
  return { findings, suppressed };
}

function finding(rule: LintRule, migration: MigrationFile, file: string, line: number, subject?: string): LintFinding {
  const message = subject === undefined ? `${rule.happens}` : `${subject}: ${rule.happens}`;
  return { rule: rule.id, severity: rule.severity, location: `${file}:${line}`, file, line, version: migration.version, message, fix: rule.fix };
}

/** The findings of one migration, before suppressions. */
function lintOne(input: LintInput, dialect: DialectLint, settings: LintSettings, catalogue: Map<string, LintRule>, run: RunState): LintFinding[] {
  const { migration, up, down } = input;
  const out: LintFinding[] = [];
  const upFile = migration.up?.file ?? migration.files[0] ?? migration.id;
  const statements = up?.statements ?? [];
  const emit = (id: string, file: string, line: number, subject?: string): void => {
    const rule = catalogue.get(id);
    if (rule !== undefined) out.push(finding(rule, migration, file, line, subject));
  };
  const inTransaction = runsInTransaction(migration, statements, settings);
  const upCreated = new Set<string>();
  const validated = new Set<string>();
  let lockTimeout = settings.lockTimeoutConfigured;
  let firstDml: StatementFacts | null = null;
  let firstDdl: StatementFacts | null = null;
  for (const statement of statements) {
    const read = dialect.statement(statement);
    for (const hit of read.hits) {
      if (!holds(hit, run, validated, lockTimeout, inTransaction)) continue;
      if (hit.unlessLockTimeout === true) lockTimeout = true; // one finding per migration is enough
      emit(hit.rule, upFile, statement.line, hit.subject);
    }
    if (statement.transactionControl !== null && (inTransaction || statement.transactionControl.breaks === "session")) emit("transaction-control-in-transaction", upFile, statement.line, statement.transactionControl.statement);
    if (read.setsLockTimeout === true) lockTimeout = true;
    for (const t of read.validates ?? []) validated.add(t);
    for (const c of read.constrains ?? []) run.constrained.add(c);
    for (const t of mayCreate(statement) ? statement.tables.creates : []) {
      run.created.add(t);
      upCreated.add(t);
    }
    if (read.dml === true) firstDml ??= statement;
    if (read.autocommitDdl === true) firstDdl ??= statement;
  }
  if (dialect.mixedDdlRule !== undefined && firstDml !== null && firstDdl !== null) {
    emit(dialect.mixedDdlRule, upFile, Math.min(firstDml.line, firstDdl.line));
  }
  const first = statements[0]?.line ?? migration.up?.startLine ?? 1;
  if (statements.length > 1 && migration.options.transaction === false) emit("transaction-off-multi-statement", upFile, first);
  if (looksReversible(migration, statements)) emit("missing-down", upFile, first);
  const downFile = migration.down?.file ?? upFile;
  for (const statement of down?.statements ?? []) {
    for (const table of statement.tables.drops) if (!upCreated.has(table)) emit("down-drops-uncreated", downFile, statement.line, `table ${table}`);
  }
  return out;
}

const CREATING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:create|select|alter|with|rename)\b/i;

/** Whether a statement may create a table (its tables are read only then: INSERT never does). */
function mayCreate(statement: StatementFacts): boolean {
  return CREATING.test(statement.text);
}

/** Whether a hit holds where it stands in the migration. */
function holds(hit: LintHit, run: RunState, validated: ReadonlySet<string>, lockTimeout: boolean, inTransaction: boolean): boolean {
  if (hit.table !== undefined && run.created.has(hit.table)) return false;
  if (hit.unlessLockTimeout === true && lockTimeout) return false;
  if (hit.unlessValidated === true && hit.table !== undefined && validated.has(hit.table)) return false;
  if (hit.inTransactionOnly === true && !inTransaction) return false;
  if (hit.ifConstrained !== undefined && !run.constrained.has(hit.ifConstrained)) return false;
  return true;
}

/** Whether Stratum runs the migration's up in a transaction. */
function runsInTransaction(migration: MigrationFile, statements: readonly StatementFacts[], settings: LintSettings): boolean {
  const declared = migration.options.transaction;
  if (declared !== undefined) return declared;
  if (!settings.transactions) return false;
  return statements.length === 0 || statements.some((s) => s.nonTransactionalReason === null);
}

/** An up that only creates (tables, indexes, columns), with no down and not declared irreversible. */
function looksReversible(migration: MigrationFile, statements: readonly StatementFacts[]): boolean {
  if (migration.down !== null || migration.options.irreversible || statements.length === 0) return false;
  return statements.every((s) => {
    const t = s.tables;
    return (t.creates.length > 0 || t.alters.length > 0) && t.drops.length === 0 && t.writes.length === 0 && /^\s*create\b/i.test(withoutComments(s.text));
  });
}

function withoutComments(text: string): string {
  return text.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, "");
}

/** The header's and the sections' lint-ignore lines applied: suppressed findings set apart with their reason. */
function applyIgnores(migration: MigrationFile, raw: readonly LintFinding[], catalogue: Map<string, LintRule>, statementLines: Map<string, number[]>): LintResult {
  const headerFile = migration.files[0] ?? migration.id;
  const header = (migration.options.lintIgnore ?? []).map((h) => readIgnore(headerFile, h.line, h.text));
  const skip = new Set(header.map((h) => h.line));
  const sections = [migration.up, migration.down].flatMap((s) => (s === null ? [] : sectionIgnores(s, s.file === headerFile ? skip : new Set())));
  const findings: LintFinding[] = [];
  const invalid = catalogue.get("lint-ignore-invalid") as LintRule;
  const valid: IgnoreLine[] = [];
  for (const ignore of [...header, ...sections]) {
    if (ignore.rule === null || !catalogue.has(ignore.rule) || ignore.reason === "") {
      const what = ignore.rule === null ? "names no rule" : !catalogue.has(ignore.rule) ? `names the unknown rule "${ignore.rule}"` : `gives no reason for ignoring ${ignore.rule}`;
      findings.push({ ...finding(invalid, migration, ignore.file, ignore.line), message: `the lint-ignore line ${what}, so it silences nothing` });
    } else {
      valid.push(ignore);
    }
  }
  const suppressed: LintSuppression[] = [];
  for (const f of raw) {
    const match = valid.find((ig) => ig.rule === f.rule && (header.includes(ig) || (ig.file === f.file && targetOf(ig, statementLines.get(f.file) ?? []) === f.line)));
    if (match === undefined) findings.push(f);
    else suppressed.push({ rule: f.rule, location: f.location, version: f.version, reason: match.reason, ignoredAt: `${match.file}:${match.line}` });
  }
  return { findings: findings.sort((a, b) => a.line - b.line), suppressed };
}

/** The lines the statements of a migration's sections start on, per file, sorted. */
function statementStarts(input: LintInput): Map<string, number[]> {
  const lines = new Map<string, number[]>();
  const add = (file: string | undefined, facts: ScriptFacts | null): void => {
    if (file === undefined || facts === null) return;
    lines.set(file, [...(lines.get(file) ?? []), ...facts.statements.map((s) => s.line)].sort((a, b) => a - b));
  };
  add(input.migration.up?.file, input.up);
  add(input.migration.down?.file, input.down);
  return lines;
}

/** The statement a lint-ignore concerns: the first after its line, or (trailing) the one its line belongs to. */
function targetOf(ignore: IgnoreLine, lines: readonly number[]): number | undefined {
  if (ignore.trailing === true) return lines.findLast((line) => line <= ignore.line);
  return lines.find((line) => line > ignore.line);
}
