import type { ConfirmFn } from "../../index.js";
import { confirmDestructive } from "../confirm.js";
import type { CommandContext } from "./command-context.js";

/**
 * The `confirm` a destructive command hands the library. The library calls it only on a protected
 * environment, under the lock and after planning (the plan agreed to is the plan that runs), with
 * the action in its own words: `--yes` agrees, a terminal is asked, and without one the command
 * refuses (exit 2).
 */
export function askBeforeChanging(ctx: CommandContext): ConfirmFn {
  return async ({ action, environment, database }) => {
    await confirmDestructive(
      { protectedEnv: true, envName: environment, database, action, yes: ctx.globals.yes },
      { stdin: ctx.io.stdin, output: ctx.output, signal: ctx.signal },
    );
    return true;
  };
}
