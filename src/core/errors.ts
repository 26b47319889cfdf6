import type { Problem } from "./types.js";

/** Stable error codes. Scripts depend on them; never rename one. */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "USAGE"
  | "VALIDATION_FAILED"
  | "MIGRATION_FAILED"
  | "TRANSACTION_FAILED"
  | "LOCK_TIMEOUT"
  | "IRREVERSIBLE"
  | "SCHEMA_CHECK_FAILED"
  | "CONNECTION_FAILED"
  | "DRIVER_MISSING"
  | "BACKUP_FAILED"
  | "INTERRUPTED"
  | "NOT_FOUND";

/** Exit codes of the CLI (SPEC §4). */
export const EXIT = {
  ok: 0,
  migrationFailed: 1,
  usage: 2,
  validation: 3,
  lock: 4,
  connection: 5,
  interrupted: 130,
} as const;

export interface StratumErrorOptions {
  readonly cause?: unknown;
  /** What to do next, one sentence. */
  readonly fix?: string;
}

/** Base of every error Stratum throws on purpose. `message` is one human sentence. */
export class StratumError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, exitCode: number, options: StratumErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.fix = options.fix;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.fix ? { fix: this.fix } : {}) };
  }
}

/**
 * The same error (class, code, exit code, fields) with what it left behind as a second line of its
 * message, and a new fix. The first line stays the failure itself (the log and state row keep it).
 */
export function restated<E extends StratumError>(error: E, aftermath: string, fix: string): E {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as E, error, { fix });
  Object.defineProperty(copy, "message", { value: `${error.message}\n${aftermath}`, writable: true, configurable: true });
  Object.defineProperty(copy, "stack", { value: error.stack, writable: true, configurable: true });
  if (error.cause !== undefined) Object.defineProperty(copy, "cause", { value: error.cause, writable: true, configurable: true });
  return copy;
}

/** One configuration problem: what is wrong and where, and the fix. */
export interface ConfigProblem {
  readonly message: string;
  readonly fix?: string | undefined;
}

export class ConfigError extends StratumError {
  /** The offending key, e.g. `environments.production.url`. */
  readonly key: string | undefined;
  /** Every problem it stands for (one, unless the message lists several). */
  readonly items: readonly ConfigProblem[];
  constructor(
    message: string,
    options: StratumErrorOptions & { key?: string; code?: "CONFIG_INVALID" | "USAGE"; items?: readonly ConfigProblem[] } = {},
  ) {
    super(options.code ?? "CONFIG_INVALID", message, EXIT.usage, options);
    this.key = options.key;
    this.items = options.items ?? [{ message, fix: options.fix }];
  }
}

/** The text of several configuration problems: a header naming where, then each with its fix. */
export function configProblemsText(items: readonly ConfigProblem[], where: string): string {
  const lines = items.map((item) => `- ${item.message}${item.fix === undefined ? "" : `\n  fix: ${item.fix}`}`);
  return `${items.length} problems in ${where}:\n${lines.join("\n")}`;
}

/** One or more planning problems: duplicate, cycle, missing dependency, checksum mismatch, … */
export class ValidationError extends StratumError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[], message?: string) {
    const errors = problems.filter((p) => p.severity === "error");
    const only = errors.length === 1 ? errors[0] : undefined;
    super("VALIDATION_FAILED", message ?? summariseProblems(problems), EXIT.validation, only ? { fix: only.fix } : {});
    this.problems = problems;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

export interface MigrationFailure {
  readonly version: string;
  readonly name: string;
  /** `file:line` of the failing statement, when known. */
  readonly location?: string | undefined;
  readonly statement?: string | undefined;
  /** 1-based index of the statement and how many there were. */
  readonly statementIndex?: number | undefined;
  readonly statementCount?: number | undefined;
}

export class MigrationError extends StratumError {
  readonly version: string;
  readonly migrationName: string;
  readonly location: string | undefined;
  readonly statement: string | undefined;
  /** 1-based index of the failing statement, when the migration is SQL. */
  readonly statementIndex: number | undefined;
  constructor(failure: MigrationFailure, message: string, options: StratumErrorOptions = {}) {
    super("MIGRATION_FAILED", message, EXIT.migrationFailed, options);
    this.version = failure.version;
    this.migrationName = failure.name;
    this.location = failure.location;
    this.statement = failure.statement;
    this.statementIndex = failure.statementIndex;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), version: this.version, location: this.location ?? null };
  }
}

export class TransactionError extends StratumError {
  constructor(message: string, options: StratumErrorOptions = {}) {
    super("TRANSACTION_FAILED", message, EXIT.migrationFailed, options);
  }
}

export class LockTimeoutError extends StratumError {
  constructor(message: string, options: StratumErrorOptions = {}) {
    super("LOCK_TIMEOUT", message, EXIT.lock, options);
  }
}

export class IrreversibleError extends StratumError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const only = problems.length === 1 ? problems[0] : undefined;
    super("IRREVERSIBLE", summariseProblems(problems), EXIT.validation, only ? { fix: only.fix } : {});
    this.problems = problems;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

/** A failed `-- migrate:verify` query or `after` check. */
export class SchemaError extends StratumError {
  constructor(message: string, options: StratumErrorOptions = {}) {
    super("SCHEMA_CHECK_FAILED", message, EXIT.migrationFailed, options);
  }
}

export class ConnectionError extends StratumError {
  constructor(message: string, options: StratumErrorOptions & { code?: "CONNECTION_FAILED" | "DRIVER_MISSING" } = {}) {
    super(options.code ?? "CONNECTION_FAILED", message, EXIT.connection, options);
  }
}

export class BackupError extends StratumError {
  constructor(message: string, options: StratumErrorOptions = {}) {
    super("BACKUP_FAILED", message, EXIT.usage, options);
  }
}

export class InterruptedError extends StratumError {
  constructor(message: string, exitCode: number = EXIT.interrupted, options: StratumErrorOptions = {}) {
    super("INTERRUPTED", message, exitCode, options);
  }
}

/** How many problems an error message lists; the rest are counted. */
const MAX_LISTED = 20;

/** A problem's sentence, with its files when the sentence does not name them already. */
export function describeProblem(problem: Problem): string {
  const unnamed = problem.files.filter((file) => !problem.message.includes(file));
  const full = problem.message.replace(/\.$/, "");
  const message = full.length > 500 ? `${full.slice(0, 500)}…` : full;
  return unnamed.length === 0 ? message : `${message} (${unnamed.join(", ")})`;
}

/**
 * The planner's problems as one message: a single problem is one sentence (its fix travels as
 * the error's `fix`); several are listed, each with its fix, after a count.
 */
export function summariseProblems(problems: readonly Problem[]): string {
  const errors = problems.filter((p) => p.severity === "error");
  const list = errors.length > 0 ? errors : problems;
  if (list.length === 0) return "validation failed";
  if (list.length === 1) return describeProblem(list[0] as Problem);
  const shown = list.slice(0, MAX_LISTED);
  const lines = [`${list.length} problems stop this run:`];
  for (const problem of shown) lines.push(`- ${describeProblem(problem)}`, `  fix: ${problem.fix}`);
  if (list.length > shown.length) lines.push(`- and ${list.length - shown.length} more (run \`stratum validate --json\` for all of them)`);
  return lines.join("\n");
}
