import { describe, it } from "vitest";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target } from "./targets.js";

/**
 * Runs `body` once per dialect with a reachable target. An unreachable server fails the run under
 * CI=true and is skipped (loudly) otherwise, as the other suites do.
 */
export async function describeEachTarget(title: string, body: (target: Target) => void): Promise<void> {
  for (const target of [sqliteTarget(), await postgresTarget(), await mysqlTarget()]) {
    if (target.unreachable !== null) {
      if (process.env["CI"] === "true") {
        describe(`${title} on ${target.name}`, () => {
          it("needs its database server", () => {
            throw new Error(`${target.unreachable} (CI=true: an unreachable server fails the run)`);
          });
        });
      } else {
        console.warn(`\n[stratum tests] SKIPPING ${title} on ${target.name}: ${target.unreachable}\n`);
        describe.skipIf(true)(`${title} on ${target.name} (server unreachable)`, () => {
          it("runs when the server is reachable", () => undefined);
        });
      }
      continue;
    }
    describe(`${title} on ${target.name}`, () => body(target));
  }
}
