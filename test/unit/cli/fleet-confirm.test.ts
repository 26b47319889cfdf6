// `down` over a fleet on a protected environment asks once for the whole fleet, naming the count,
// as a single-database `down` asks once: --yes agrees, a terminal is asked, no terminal refuses.

import { describe, expect, it } from "vitest";
import { runCli } from "./cli-harness.js";

const protectedFleet = {
  config: {
    protected: true,
    env: "production",
    targets: [{ name: "eu_1" }, { name: "eu_2" }, { name: "us_1" }, { name: "us_2" }],
  },
  plan: {
    steps: [{ direction: "down", version: "002", name: "b", file: "002_b.sql", reason: "", after: [], transaction: true, outsideTransaction: null, statements: 1 }],
    warnings: [],
  },
} as const;

describe("down --all-targets on a protected environment", () => {
  it("without a terminal and without --yes: refuses in one sentence, exit 2, no target touched", async () => {
    const run = await runCli(["down", "--all-targets"], protectedFleet);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: refusing to roll back the last migration of each of 4 targets on the protected environment "production" without confirmation: there is no terminal to ask on, so pass --yes to proceed\n',
    );
    expect(run.calls.down).toEqual([]);
    expect(run.stdout).toBe("");
  });

  it("on a terminal: one question for the fleet, then every target rolls back", async () => {
    const run = await runCli(["down", "--all-targets", "--step", "2"], protectedFleet, { stdinTTY: true, input: "y\n" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("Roll back the last 2 migrations of each of 4 targets on production (4 targets: eu_1, eu_2, us_1, …)? [y/N] ");
    expect(run.calls.down).toHaveLength(4);
    expect(run.calls.down.every((options) => options.step === 2)).toBe(true);
  });

  it("answering no changes nothing", async () => {
    const run = await runCli(["down", "--target", "eu_1"], protectedFleet, { stdinTTY: true, input: "n\n" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cancelled: did not roll back the last migration of target eu_1; nothing was changed");
    expect(run.calls.down).toEqual([]);
  });

  it("--yes: no question", async () => {
    const run = await runCli(["down", "--all-targets", "--yes"], protectedFleet);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.calls.down).toHaveLength(4);
  });

  it("--dry-run asks nothing", async () => {
    const run = await runCli(["down", "--all-targets", "--dry-run"], protectedFleet);
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.down).toHaveLength(4);
  });
});
