import { StratumError } from "../core/errors.js";
import { errorText } from "./step-failure.js";

/**
 * Awaits a configured hook. A hook that throws stops the run with one sentence naming the hook
 * (a `beforeEach` that throws counts as the migration's failure, and is logged as one).
 */
export async function callHook<E>(name: string, hook: ((event: E) => unknown) | undefined, event: E): Promise<void> {
  if (!hook) return;
  try {
    await hook(event);
  } catch (error) {
    if (error instanceof StratumError) throw error;
    throw new StratumError("MIGRATION_FAILED", `the ${name} hook failed: ${errorText(error)}`, 1, {
      cause: error,
      fix: `fix the ${name} hook in the configuration file`,
    });
  }
}
