// What up, down, status, validate, plan and drift share when given `--target`/`--all-targets`:
// the targets resolved from the config, one confirmation for a destructive run on a protected
// environment, the renderer, the fan-out through the library, the worst exit code.

import type { FleetRequest, FleetTarget, ResolvedConfig } from "../../index.js";
import { confirmDestructive } from "../confirm.js";
import type { FlagSettings } from "../library.js";
import { parseFleetOptions, usageError, type FleetFlags, type RawOptions } from "../options.js";
import { createFleetLiveRenderer } from "../render/fleet-live.js";
import { createFleetJsonRenderer, createFleetPlainRenderer, type FleetRenderer } from "../render/fleet-plain.js";
import { createFleetStatusRenderer } from "../render/fleet-status.js";
import { loadConfig, type CommandContext } from "./command-context.js";

/** The fleet flags of a command line, or undefined when it runs on one database. */
export function fleetFlags(options: RawOptions): FleetFlags | undefined {
  return parseFleetOptions(options);
}

/**
 * `--json` → one JSON result per target and a summary; `--quiet` → failures only; a terminal → the
 * live view; otherwise plain lines. `status` ends with the matrix or the compact list instead.
 */
export function createFleetRenderer(ctx: CommandContext, operation?: FleetRequest["operation"]): FleetRenderer {
  const { output, globals } = ctx;
  if (globals.json) return createFleetJsonRenderer(output);
  const live = output.interactive && globals.verbosity !== "quiet";
  const timing = { ...(ctx.clock === undefined ? {} : { clock: ctx.clock }), ...(ctx.timers === undefined ? {} : { timers: ctx.timers }) };
  if (operation === "status") return createFleetStatusRenderer(output, live ? createFleetLiveRenderer(output, timing) : null);
  if (live) return createFleetLiveRenderer(output, timing);
  return createFleetPlainRenderer(output, { verbose: globals.verbosity === "verbose", quiet: globals.verbosity === "quiet" });
}

/** The config's name for messages: its file, relative when it can be. */
function configName(config: ResolvedConfig): string {
  return config.configFile === undefined ? "the configuration (no config file was found)" : config.configFile;
}

/** The selected targets (resolveTargets refuses a missing `targets`, a bad choice, a pattern matching nothing). */
async function selectedTargets(ctx: CommandContext, config: ResolvedConfig, flags: FleetFlags): Promise<FleetTarget[]> {
  const targets = await ctx.library.resolveTargets(config, flags.selection);
  // a file or query that lists no target at all
  if (targets.length === 0) throw usageError(`the "targets" of ${configName(config)} list no target`, 'add targets to "targets" (see docs/fleets.md)');
  return targets;
}

/** `roll back the last migration` … as the single-database confirmation says it. */
function downAction(request: Extract<FleetRequest, { operation: "down" }>): string {
  const options = request.options ?? {};
  if (options.versions !== undefined && options.versions.length > 0) return `roll back ${options.versions.join(", ")}`;
  if (options.to !== undefined) return `roll back every migration after ${options.to}`;
  if (options.step !== undefined) return `roll back the last ${options.step === 1 ? "migration" : `${options.step} migrations`}`;
  if (options.batch === true) return "roll back the last batch";
  if (options.all === true) return "roll back every migration";
  return "roll back the last migration";
}

/** A destructive run on a protected environment is agreed to once, for the whole fleet. */
async function confirmFleet(ctx: CommandContext, config: ResolvedConfig, request: FleetRequest, targets: readonly FleetTarget[]): Promise<FleetRequest> {
  if (request.operation !== "down" || request.options?.dryRun === true) return request;
  const shown = targets.slice(0, 3).map((target) => target.name).join(", ");
  const more = targets.length > 3 ? ", …" : "";
  await confirmDestructive(
    {
      protectedEnv: config.protected,
      envName: config.env,
      database: `${targets.length} ${targets.length === 1 ? "target" : "targets"}: ${shown}${more}`,
      action: `${downAction(request)} of ${targets.length === 1 ? `target ${targets[0]?.name ?? ""}` : `each of ${targets.length} targets`}`,
      yes: ctx.globals.yes,
    },
    { stdin: ctx.io.stdin, output: ctx.output, signal: ctx.signal },
  );
  // agreed once: each target's own question is answered yes
  return { operation: "down", options: { ...request.options, confirm: () => true } };
}

/** Runs `request` over the fleet `flags` selects; the exit code is the worst target's. */
export async function runFleetCommand(
  ctx: CommandContext,
  flags: FleetFlags,
  request: FleetRequest,
  extraFlags: Partial<FlagSettings> = {},
): Promise<number> {
  const config = await loadConfig(ctx, extraFlags);
  const targets = await selectedTargets(ctx, config, flags);
  const agreed = await confirmFleet(ctx, config, request, targets);
  const renderer = createFleetRenderer(ctx, request.operation);
  try {
    const summary = await ctx.library.runFleet(config, agreed, {
      targets,
      concurrency: flags.concurrency,
      canary: flags.canary,
      failFast: flags.failFast,
      // status keeps each target's migration states (only) for the matrix
      keepDetail: ctx.globals.json ? true : request.operation === "status" ? "states" : false,
      createMigrator: (resolved) => ctx.library.createMigrator(resolved),
      onEvent: (event) => renderer.event(event),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      ...(ctx.clock === undefined ? {} : { clock: ctx.clock }),
    });
    return summary.exitCode;
  } finally {
    renderer.close();
  }
}
