import { describe, expect, it } from "vitest";
import { plan, validate } from "../../../src/core/planner.js";
import { statusOf } from "../../../src/core/status.js";
import { applied, migration, summary, sumOf } from "./factories.js";

/** Item 8: a file renamed after it was applied, keeping its version, is RENAMED_MIGRATION. */
describe("a renamed applied migration", () => {
  const policy = { ordering: "linear" as const, allowOutOfOrder: false };
  const renamed = migration("001_renamed", { checksum: sumOf("001_a") });
  const history = [applied("001_a")];

  it("is a problem for validate, up and down, and the state `renamed`", () => {
    expect(summary(validate([renamed], history, policy))).toEqual(["RENAMED_MIGRATION 001_renamed.sql"]);
    for (const request of [{ direction: "up" } as const, { direction: "down" } as const]) {
      const result = plan([renamed], history, request, policy);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(summary(result.problems)).toEqual(["RENAMED_MIGRATION 001_renamed.sql"]);
    }
    const status = statusOf([renamed], history);
    expect(status.migrations.map((m) => [m.version, m.name, m.state])).toEqual([["001", "renamed", "renamed"]]);
    expect(status.problems[0]?.message).toBe("001_renamed.sql was applied as 001_a: the file was renamed after it was applied.");
    expect(status.problems[0]?.fix).toContain("stratum repair");
  });

  it("is not a problem when only the version's digits are written differently, nor for a row without a name", () => {
    expect(validate([migration("1_a", { checksum: sumOf("001_a") })], history, policy)).toEqual([]);
    expect(validate([renamed], [{ ...applied("001_a"), name: "" }], policy)).toEqual([]);
  });

  it("is not reported for rows that are not applied (rolled back: up applies it again under its new name)", () => {
    expect(validate([renamed], [applied("001_a", { state: "rolled_back" })], policy)).toEqual([]);
  });

  it("edited and renamed: both problems, state `changed`", () => {
    const both = migration("001_renamed");
    expect(summary(validate([both], history, policy))).toEqual(["CHECKSUM_MISMATCH 001_renamed.sql", "RENAMED_MIGRATION 001_renamed.sql"]);
    expect(statusOf([both], history).migrations[0]?.state).toBe("changed");
  });
});
