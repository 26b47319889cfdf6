import type { LoadedCode, MigrationContext } from "../core/context.js";
import { ConfigError, EXIT, InterruptedError, MigrationError, SchemaError, StratumError } from "../core/errors.js";
import { abortReason, createMigrationContext } from "./migration-context.js";
import { causeText, errorText, fixAndRunAgain, lost, lostFix } from "./step-failure.js";
import { runScript } from "./step-sql.js";
import type { StepState } from "./step-state.js";

/** A code migration's `ctx`, aborted when the run is. */
function codeContext(s: StepState): MigrationContext {
  const controller = new AbortController();
  s.controller = controller;
  s.settings.signal.addEventListener("abort", s.abortWith, { once: true });
  return createMigrationContext({
    conn: s.conn,
    dialect: s.ports.dialect,
    migration: s.migration,
    events: s.ports.events,
    env: s.ports.identity.env,
    signal: controller.signal,
    inTransaction: s.inTx,
    readFile: s.ports.readFile,
    runScript: async (path, text) => runScript(s, path, { file: path, text, startLine: 1 }),
  });
}

/**
 * A code migration's error while the run is being aborted is an interruption when it comes from
 * the abort: ctx.batch stopping, or the migration's own use of ctx.signal (an AbortError, or the
 * signal's reason thrown). Null for any other error.
 */
function interruption(s: StepState, error: unknown, where: string): InterruptedError | null {
  const { migration, settings } = s;
  if (!settings.signal.aborted) return null;
  const ours = error instanceof InterruptedError;
  const fromAbort = ours || (error instanceof Error && error.name === "AbortError") || error === settings.signal.reason;
  if (!fromAbort) return null;
  const message = ours ? error.message : `migration ${migration.id} was interrupted by ${abortReason(settings.signal)} at ${where}`;
  const fix = s.inTx
    ? "nothing of it was applied: it was rolled back; run `stratum up` again to run it from the start"
    : `it ran without a transaction, so what it did before the interruption stays: check the data, finish or undo it by hand, then run \`stratum resolve ${migration.version} --applied\` or \`stratum resolve ${migration.version} --rolled-back\`, and \`stratum up\``;
  return new InterruptedError(message, EXIT.interrupted, { cause: error, fix });
}

/** `before()`'s veto: false or a reason stops the migration. */
async function runBefore(s: StepState, before: NonNullable<LoadedCode["before"]>, ctx: MigrationContext): Promise<void> {
  const { migration, file } = s;
  let verdict: unknown;
  try {
    verdict = await before(ctx);
  } catch (error) {
    throw interruption(s, error, `${file} (before)`) ?? new SchemaError(`migration ${migration.id} was vetoed by before(): ${errorText(error)}`, {
      cause: error,
      fix: `meet the condition its before() checks, or change ${file}`,
    });
  }
  if (verdict === false || typeof verdict === "string") {
    const reason = typeof verdict === "string" ? `: ${verdict}` : "";
    throw new SchemaError(`migration ${migration.id} was vetoed by before()${reason}`, {
      fix: `meet the condition its before() checks, or change ${file}`,
    });
  }
}

/** `after()`'s check: false or a reason fails the migration. */
async function runAfter(s: StepState, after: NonNullable<LoadedCode["after"]>, ctx: MigrationContext): Promise<void> {
  const { migration, file } = s;
  let result: unknown;
  try {
    result = await after(ctx);
  } catch (error) {
    throw interruption(s, error, `${file} (after)`) ?? new SchemaError(`migration ${migration.id}: after() check failed: ${errorText(error)}`, {
      cause: error,
      fix: `fix the migration ${file} so its after() check passes`,
    });
  }
  if (result === false || typeof result === "string") {
    const reason = typeof result === "string" ? `: ${result}` : "";
    throw new SchemaError(`migration ${migration.id}: after() check failed${reason}`, {
      fix: `fix the data or the migration ${file}, then run \`stratum ${s.direction}\` again`,
    });
  }
}

/** A code migration's before(), up() or down(), and after(). */
export async function runCode(s: StepState, code: LoadedCode): Promise<void> {
  const { migration, file, direction } = s;
  const ctx = codeContext(s);
  if (code.before) await runBefore(s, code.before, ctx);
  const fn = direction === "up" ? code.up : code.down;
  if (!fn) {
    throw new MigrationError(
      { version: migration.version, name: migration.name, location: file },
      `migration ${migration.id} has no down() to roll back with`,
      { fix: `add a down() export to ${file}` },
    );
  }
  try {
    await fn(ctx);
  } catch (error) {
    const where = locateInStack(error, migration.path, file);
    const interrupted = interruption(s, error, where);
    if (interrupted !== null) throw interrupted;
    // a refused file (ctx.execFile outside the directory) is this migration's failure
    if (error instanceof StratumError && !(error instanceof ConfigError)) throw error;
    throw new MigrationError(
      { version: migration.version, name: migration.name, location: where },
      `migration ${migration.id} failed at ${where}: ${causeText(s, error)}`,
      { cause: error, fix: lost(s, error) ? lostFix(s) : fixAndRunAgain(s.step, file, "the migration") },
    );
  }
  if (direction === "up" && code.after) await runAfter(s, code.after, ctx);
}

/** Finds `file:line` of a code migration's failure in the error's stack. */
function locateInStack(error: unknown, absolutePath: string, file: string): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const escaped = absolutePath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  return match ? `${file}:${match[1]}` : file;
}
