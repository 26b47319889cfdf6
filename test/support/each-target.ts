import { describe, it } from "vitest";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target } from "./targets.js";

/**
 * Runs `body` for each target whose server answers. An unreachable one fails the run under
 * CI=true and is skipped, loudly, otherwise: the rule every server-backed suite follows.
 */
export function eachTarget(targets: readonly Target[], title: string, body: (target: Target) => void): void {
  for (const target of targets) {
    if (target.unreachable === null) {
      body(target);
    } else if (process.env["CI"] === "true") {
      it(`${title} on ${target.name}: needs its database server`, () => {
        throw new Error(`${target.unreachable} (CI=true: an unreachable server fails the run)`);
      });
    } else {
      console.warn(`\n[stratum tests] SKIPPING ${title} on ${target.name}: ${target.unreachable}\n`);
      it.skipIf(true)(`${title} on ${target.name}: server unreachable (see the warning above)`, () => undefined);
    }
  }
}

/** `eachTarget` over all three dialects, each in a `describe` of its own. */
export async function describeEachTarget(title: string, body: (target: Target) => void): Promise<void> {
  const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
  eachTarget(targets, title, (target) => describe(`${title} on ${target.name}`, () => body(target)));
}
