// The planner over versions in parts (Flyway's `V1__`, `V1.1__`, `V1.10__`, `V2024.01.05.1__`):
// pending, applied, out of order, `--to` both ways, dependencies, and a history that writes a
// version differently from its file (`1_1` recorded, `1.1` on disk).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plan } from "../../../src/core/planner.js";
import { statusOf } from "../../../src/core/status.js";
import { computeStats } from "../../../src/core/stats.js";
import type { AppliedMigration, MigrationFile, Ordering, PlanRequest } from "../../../src/core/types.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";
import { applied, migration, migrations, problemsOf, summary, versionsOf } from "./factories.js";

beforeAll(() => useVocabulary(cliVocabulary));
afterAll(() => useVocabulary(optionVocabulary));

// in version order; the file list is given shuffled to the planner
const flyway = (): MigrationFile[] => migrations("1_init", "1.1_users", "1.2_orders", "1.10_index", "2_report", "2024.01.05.1_seed");
const shuffled = (): MigrationFile[] => {
  const all = flyway();
  return [all[4], all[1], all[5], all[3], all[0], all[2]] as MigrationFile[];
};

function planned(ms: readonly MigrationFile[], history: readonly AppliedMigration[], request: PlanRequest, ordering: Ordering = "linear", allowOutOfOrder = false) {
  return plan(ms, history, request, { ordering, allowOutOfOrder });
}

describe("plan up over versions in parts", () => {
  it.each(["linear", "graph"] as const)("%s: everything pending, part by part (1.2 before 1.10)", (ordering) => {
    expect(versionsOf(planned(shuffled(), [], { direction: "up" }, ordering))).toEqual(["1", "1.1", "1.2", "1.10", "2", "2024.01.05.1"]);
  });

  it("only what is pending; nothing when all is applied", () => {
    const history = [applied("1_init"), applied("1.1_users"), applied("1.2_orders")];
    expect(versionsOf(planned(shuffled(), history, { direction: "up" }))).toEqual(["1.10", "2", "2024.01.05.1"]);
    const all = flyway().map((m) => applied(m.id));
    expect(versionsOf(planned(shuffled(), all, { direction: "up" }))).toEqual([]);
  });

  it("a history that writes the version another way is the same migration (1_1 = 1.1, 1.0 = 1)", () => {
    const history = [
      { ...applied("1_init"), version: "1.0" },
      { ...applied("1.1_users"), version: "1_1" },
    ];
    expect(versionsOf(planned(flyway(), history, { direction: "up" }))).toEqual(["1.2", "1.10", "2", "2024.01.05.1"]);
  });

  it("--to 1.2 stops at 1.2, not at 1.10 (which is higher)", () => {
    const result = planned(shuffled(), [applied("1_init")], { direction: "up", to: "1.2" });
    expect(versionsOf(result)).toEqual(["1.1", "1.2"]);
    expect(versionsOf(planned(shuffled(), [], { direction: "up", to: "1_10" }))).toEqual(["1", "1.1", "1.2", "1.10"]);
    expect(versionsOf(planned(shuffled(), [], { direction: "up", to: "2024.1.5.1" }))).toHaveLength(6);
  });

  it("--to a version with no migration is UNKNOWN_VERSION", () => {
    const result = planned(flyway(), [], { direction: "up", to: "1.3" });
    expect(summary(problemsOf(result))).toEqual(["UNKNOWN_VERSION"]);
  });

  it("an older version in parts added after a higher one was applied is out of order: refused, or applied when allowed", () => {
    const history = [applied("1_init"), applied("1.2_orders"), applied("1.10_index")];
    const refused = planned(flyway(), history, { direction: "up" });
    expect(refused.ok).toBe(false);
    expect(summary(problemsOf(refused))).toEqual(["OUT_OF_ORDER 1.1_users.sql"]);
    const allowed = planned(flyway(), history, { direction: "up" }, "linear", true);
    expect(allowed.ok && allowed.steps.map((s) => [s.migration.version, s.reason])).toEqual([
      ["1.1", "pending, out of order (allowed by --allow-out-of-order)"],
      ["2", "pending"],
      ["2024.01.05.1", "pending"],
    ]);
  });

  it("dependencies name versions in parts, and linear mode checks they point backwards", () => {
    const ms = [migration("1_init"), migration("1.1_users", { dependsOn: ["1.0"] }), migration("1.2_orders", { dependsOn: ["1_1"] }), migration("1.10_index", { dependsOn: ["1.1_users"] })];
    expect(versionsOf(planned(ms, [], { direction: "up", to: "1.2" }, "graph"))).toEqual(["1", "1.1", "1.2"]);
    const forward = [migration("1.1_users", { dependsOn: ["1.2"] }), migration("1.2_orders")];
    expect(summary(problemsOf(planned(forward, [], { direction: "up" })))).toEqual(["FORWARD_DEPENDENCY 1.1_users.sql 1.2_orders.sql"]);
  });
});

describe("plan down over versions in parts", () => {
  const all = (): AppliedMigration[] => flyway().map((m, i) => applied(m.id, { batch: 1 + Math.floor(i / 2) }));

  it.each(["linear", "graph"] as const)("%s: --to 1.1 rolls back everything above 1.1, highest first", (ordering) => {
    expect(versionsOf(planned(shuffled(), all(), { direction: "down", to: "1.1" }, ordering))).toEqual(["2024.01.05.1", "2", "1.10", "1.2"]);
  });

  it("--to 1_1 and --to 1.1.0 are the same target; --to 0.0 is everything", () => {
    const expected = ["2024.01.05.1", "2", "1.10", "1.2"];
    expect(versionsOf(planned(shuffled(), all(), { direction: "down", to: "1_1" }))).toEqual(expected);
    expect(versionsOf(planned(shuffled(), all(), { direction: "down", to: "1.1.0" }))).toEqual(expected);
    expect(versionsOf(planned(shuffled(), all(), { direction: "down", to: "0.0" }))).toHaveLength(6);
  });

  it("a single down rolls back the highest version, by parts (2024.01.05.1, then 2, then 1.10)", () => {
    const history = all().filter((r) => r.version !== "2024.01.05.1");
    expect(versionsOf(planned(shuffled(), history, { direction: "down" }))).toEqual(["2"]);
    const steps = planned(shuffled(), all(), { direction: "down", step: 3 });
    expect(versionsOf(steps)).toEqual(["2024.01.05.1", "2", "1.10"]);
  });

  it("down of named versions in parts, and of a version not applied", () => {
    expect(versionsOf(planned(shuffled(), all(), { direction: "down", versions: ["1.10", "2024_01_05_1"] }, "graph"))).toEqual(["2024.01.05.1", "1.10"]);
    expect(summary(problemsOf(planned(shuffled(), [applied("1_init")], { direction: "down", to: "1.3" })))).toEqual(["UNKNOWN_VERSION"]);
  });
});

describe("status and stats over versions in parts", () => {
  it("status lists migrations part by part and matches rows written another way (the file's spelling shown)", () => {
    const rows = [{ ...applied("1.1_users"), version: "1_1" }, applied("1_init")];
    const status = statusOf(shuffled(), rows);
    expect(status.pending).toBe(4);
    expect(status.migrations.map((s) => [s.version, s.state])).toEqual([
      ["1", "applied"],
      ["1.1", "applied"],
      ["1.2", "pending"],
      ["1.10", "pending"],
      ["2", "pending"],
      ["2024.01.05.1", "pending"],
    ]);
  });

  it("stats counts pending by version key", () => {
    const rows = [{ ...applied("1.1_users"), version: "1_1" }, applied("1_init")];
    expect(computeStats(flyway(), rows, []).pending).toBe(4);
  });
});
