import type { ConfirmFn } from "../api-types.js";
import { ConfigError } from "../core/errors.js";
import type { Engine } from "./ports.js";

/**
 * On a protected environment, asks `confirm` before `action` (under the lock, after planning: the
 * plan confirmed is the plan that runs). Returns when agreed or nothing needs agreeing.
 */
export async function confirmProtected(engine: Engine, confirm: ConfirmFn | undefined, action: string): Promise<void> {
  const { policy } = engine;
  if (!policy.protected) return;
  if (confirm === undefined) {
    throw new ConfigError(`refusing to ${action} on the protected environment "${policy.env}" without confirmation`, {
      code: "USAGE",
      fix: "pass a `confirm` function in the operation's options (it is called with the action, environment and database, and returns true to proceed)",
    });
  }
  const agreed = await confirm({ action, environment: policy.env, database: engine.target.dialect.displayUrl });
  if (agreed !== true) throw new ConfigError(`cancelled: did not ${action}; nothing was changed`, { code: "USAGE" });
}
