import type { PlannedMigration, ResolvedConfig } from "../../index.js";
import { confirmDestructive } from "../confirm.js";
import { migrationId, plural } from "../render/format.js";
import type { CommandContext } from "./command-context.js";

/** Whether a destructive command must ask before acting on this environment. */
export function needsConfirmation(ctx: CommandContext, config: ResolvedConfig): boolean {
  return config.protected && !ctx.globals.yes;
}

/** Asks (or refuses) before `action` on a protected environment; returns when agreed. */
export async function confirmProtected(ctx: CommandContext, config: ResolvedConfig, action: string): Promise<void> {
  await confirmDestructive(
    {
      protectedEnv: config.protected,
      envName: config.env,
      database: ctx.library.displayUrl(config.url),
      action,
      yes: ctx.globals.yes,
    },
    { stdin: ctx.io.stdin, output: ctx.output, signal: ctx.signal },
  );
}

/** `roll back 3 migrations`, `roll back 1 migration (005_add_orders)`. */
export function rollbackAction(steps: readonly PlannedMigration[]): string {
  const first = steps[0];
  if (steps.length === 1 && first !== undefined) {
    return `roll back 1 migration (${migrationId(first.version, first.name)})`;
  }
  return `roll back ${plural(steps.length, "migration")}`;
}
