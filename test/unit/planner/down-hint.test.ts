import { describe, expect, it } from "vitest";
import { plan } from "../../../src/core/planner.js";
import { applied, migration } from "./factories.js";

// A migration read in another tool's layout says, when it has no down, what to add in that
// tool's words (Flyway's undo file, goose's Down section); Stratum's own keep their wording.
describe("NO_DOWN in the words of the migration's layout", () => {
  const run = (downHint?: string) =>
    plan(
      [migration("001_a"), { ...migration("002_b", { down: null }), ...(downHint === undefined ? {} : { downHint }) }],
      [applied("001_a"), applied("002_b")],
      { direction: "down", all: true },
      { ordering: "linear", allowOutOfOrder: false },
    );

  it("names the tool's file to add", () => {
    const result = run("an undo file sql/U2__b.sql");
    expect(result.ok).toBe(false);
    const problem = result.ok ? undefined : result.problems.find((p) => p.code === "NO_DOWN");
    expect(problem?.message).toBe("002_b has no down, so it cannot be rolled back.");
    expect(problem?.fix).toBe("Add an undo file sql/U2__b.sql, or leave it applied and roll back only migrations above 002.");
  });

  it("keeps Stratum's own wording without a hint", () => {
    const result = run();
    const problem = result.ok ? undefined : result.problems.find((p) => p.code === "NO_DOWN");
    expect(problem?.message).toBe("002_b has no `-- migrate:down` section or `.down.sql` file, so it cannot be rolled back.");
    expect(problem?.fix).toBe("Add a down section to 002_b.sql, or leave it applied and roll back only migrations above 002.");
  });
});
