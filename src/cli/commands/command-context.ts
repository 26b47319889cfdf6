// What every command receives, and the few steps they share: resolving the configuration (which
// also teaches the output its secrets), opening and closing a Migrator, picking a run renderer.

import { relative } from "node:path";
import { ConfigError, EXIT, InterruptedError, MigrationError } from "../../basics.js";
export { interruptible } from "../../basics.js";
import type { Migrator, ResolvedConfig, RunReport } from "../../index.js";
import type { CliIo, Output } from "../io.js";
import type { CliLibrary, FlagSettings } from "../library.js";
import type { GlobalOptions, RawOptions } from "../options.js";
import { createJsonRenderer } from "../render/json-renderer.js";
import { createLiveRenderer, type Timers } from "../render/live-renderer.js";
import { createPlainRenderer } from "../render/plain-renderer.js";
import { createQuietRenderer } from "../render/quiet-renderer.js";
import { migrationId } from "../render/format.js";
import { problemLines } from "../render/problems-view.js";
import { errorDetail, type RunRenderer } from "../render/run-text.js";
import { leanHeap } from "../lean-heap.js";

/** A parsed command line: the command, its positional arguments and its options (globals merged). */
export interface Invocation {
  readonly command: string;
  readonly args: readonly unknown[];
  readonly options: RawOptions;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly output: Output;
  readonly library: CliLibrary;
  readonly globals: GlobalOptions;
  readonly signal: AbortSignal | undefined;
  /** Clock and timers for the live display (tests make them deterministic). */
  readonly clock?: () => number;
  readonly timers?: Timers;
}

/** Resolves the configuration (from flags, the environment and the config file). */
export async function loadConfig(ctx: CommandContext, extraFlags: Partial<FlagSettings> = {}): Promise<ResolvedConfig> {
  const { globals } = ctx;
  return ctx.library.resolveConfig({
    cwd: ctx.io.cwd,
    ...(globals.configPath === undefined ? {} : { configPath: globals.configPath }),
    ...(globals.envName === undefined ? {} : { envName: globals.envName }),
    flags: { ...globals.flags, ...extraFlags },
    environment: ctx.io.env,
  });
}

/** Opens a Migrator for the command and always closes it. */
export async function withMigrator<T>(
  ctx: CommandContext,
  extraFlags: Partial<FlagSettings>,
  body: (migrator: Migrator, config: ResolvedConfig) => Promise<T>,
  needsDatabase = true,
): Promise<T> {
  const config = await loadConfig(ctx, extraFlags);
  if (needsDatabase) refuseDefaultBesideTargets(config);
  const migrator = ctx.library.createMigrator(config);
  let failed = true;
  try {
    const result = await body(migrator, config);
    failed = false;
    return result;
  } finally {
    try {
      await migrator.close();
    } catch (error) {
      // the command's own error matters more; a failed close after success is reported
      if (!failed) throw error;
    }
  }
}

/**
 * A project that lists `targets` and sets no `url` means its fleet: a command without `--target`
 * or `--all-targets` would otherwise run on the default database (a new `stratum.db`).
 */
function refuseDefaultBesideTargets(config: ResolvedConfig): void {
  if (config.targets === undefined || config.origins?.url !== undefined) return;
  const where = config.configFile === undefined ? "the configuration" : relative(config.cwd, config.configFile) || config.configFile;
  throw new ConfigError(`${where} lists "targets" and sets no "url", so this command has no database to run on (it would be the default ${config.url})`, {
    key: "url",
    fix: "Pass --target <name|glob> or --all-targets to run on the fleet, or --url (or \"url\" in the config) for one database.",
  });
}

/** `--json` → NDJSON, `--quiet` → errors only, a terminal → live display, else plain lines. */
export function createRunRenderer(ctx: CommandContext): RunRenderer {
  const { output, globals } = ctx;
  if (globals.json) return createJsonRenderer(output);
  if (globals.verbosity === "quiet") return createQuietRenderer();
  const verbose = globals.verbosity === "verbose";
  if (output.interactive) {
    return createLiveRenderer(output, {
      verbose,
      ...(ctx.clock === undefined ? {} : { clock: ctx.clock }),
      ...(ctx.timers === undefined ? {} : { timers: ctx.timers }),
    });
  }
  return createPlainRenderer(output, { verbose, ...(ctx.clock === undefined ? {} : { clock: ctx.clock }) });
}

/**
 * Runs `body` with a renderer subscribed to the migrator's events. Exit 1 when a migration failed.
 * Each failure's details are printed once, after the run: an error the library throws is left to
 * the caller (it has the fix), the other failures seen in events or in the report are printed here.
 */
export async function renderRun(
  ctx: CommandContext,
  migrator: Migrator,
  body: () => Promise<RunReport>,
): Promise<number> {
  const renderer = createRunRenderer(ctx);
  const unsubscribe = migrator.on((event) => {
    if (event.type === "run:start" && event.planned > 0) leanHeap();
    renderer.listener(event);
  });
  let report: RunReport | undefined;
  let thrown: unknown;
  let threw = false;
  try {
    report = await body();
  } catch (error) {
    thrown = error;
    threw = true;
  } finally {
    unsubscribe();
    renderer.close();
  }
  if (!ctx.globals.json) {
    const thrownVersion = thrown instanceof MigrationError ? thrown.version : undefined;
    const shown = new Set<string>(thrownVersion === undefined ? [] : [thrownVersion]);
    // an event carries the first line of the message; the error's next lines say what it left behind
    const thrownMessage = thrown instanceof Error ? thrown.message.split("\n")[0] : undefined;
    for (const [version, event] of renderer.failures) {
      // the thrown error is printed by the caller; print each other failure once
      if (shown.has(version) || event.error.message === thrownMessage) continue;
      shown.add(version);
      ctx.output.errorLine(errorDetail(event));
    }
    for (const outcome of report?.migrations ?? []) {
      if (outcome.status !== "failed" || shown.has(outcome.version)) continue;
      const id = migrationId(outcome.version, outcome.name);
      ctx.output.errorLine(`error: migration ${id} failed${outcome.error === undefined ? "" : `: ${outcome.error}`}`);
    }
  }
  if (report !== undefined && report.warnings.length > 0 && !ctx.globals.json && ctx.globals.verbosity !== "quiet") {
    // plan warnings (conflicts, …) come with the report, not as events
    for (const line of problemLines(report.warnings, ctx.output.errColors)) ctx.output.errorLine(line);
  }
  if (threw) throw thrown;
  return report?.ok === true ? EXIT.ok : EXIT.migrationFailed;
}


/** The signal as an option object, for spreading into UpOptions/DownOptions. */
export function signalOption(ctx: CommandContext): { signal?: AbortSignal } {
  return ctx.signal === undefined ? {} : { signal: ctx.signal };
}

/** Prints a value as one JSON document, on one line, on stdout. */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.output.line(JSON.stringify(value));
}

/** Prints human lines unless `--quiet`. */
export function printLines(ctx: CommandContext, lines: readonly string[]): void {
  if (ctx.globals.verbosity === "quiet" || lines.length === 0) return;
  // one write for the whole listing: `status` over thousands of migrations
  ctx.output.line(lines.join("\n"));
}
