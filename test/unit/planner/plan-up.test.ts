import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StratumError } from "../../../src/core/errors.js";
import { plan } from "../../../src/core/planner.js";
import type { AppliedMigration, MigrationFile, Ordering, PlanRequest } from "../../../src/core/types.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";
import { applied, migration, migrations, problemsOf, summary, versionsOf } from "./factories.js";

// These tests assert the wording CLI users read (`--step 2`, `--to 3`), so they run under the
// CLI's vocabulary; test/unit/planner/library-wording.test.ts shows the library's own words.
beforeAll(() => useVocabulary(cliVocabulary));
afterAll(() => useVocabulary(optionVocabulary));

type Up = Extract<PlanRequest, { direction: "up" }>;

const diamond = (): MigrationFile[] => [
  migration("001_base"),
  migration("002_users", { dependsOn: ["1"] }),
  migration("003_orders", { dependsOn: ["1"] }),
  migration("004_report", { dependsOn: ["2", "3"] }),
  migration("005_unrelated"),
];

describe("plan up", () => {
  const cases: {
    name: string;
    migrations: MigrationFile[];
    history: AppliedMigration[];
    request?: Omit<Up, "direction">;
    ordering?: Ordering;
    allowOutOfOrder?: boolean;
    steps?: [version: string, reason: string, after: string[]][];
    problems?: string[];
    ok?: boolean;
  }[] = [
    {
      name: "everything pending, in version order",
      migrations: migrations("002_b", "001_a", "010_c"),
      history: [],
      steps: [
        ["001", "pending", []],
        ["002", "pending", ["001"]],
        ["010", "pending", ["002"]],
      ],
    },
    {
      name: "nothing pending: an empty plan",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a"), applied("002_b")],
      steps: [],
    },
    {
      name: "only what is pending",
      migrations: migrations("001_a", "002_b", "003_c"),
      history: [applied("001_a")],
      steps: [
        ["002", "pending", []],
        ["003", "pending", ["002"]],
      ],
    },
    {
      name: "--to is inclusive",
      migrations: migrations("001_a", "002_b", "003_c", "004_d"),
      history: [applied("001_a")],
      request: { to: "3" },
      steps: [
        ["002", "pending, requested by --to 3", []],
        ["003", "pending, requested by --to 3", ["002"]],
      ],
    },
    {
      name: "--to by full id",
      migrations: migrations("001_a", "002_b", "003_c"),
      history: [],
      request: { to: "002_b" },
      steps: [
        ["001", "pending, requested by --to 002_b", []],
        ["002", "pending, requested by --to 002_b", ["001"]],
      ],
    },
    {
      name: "--step takes the first N",
      migrations: migrations("001_a", "002_b", "003_c"),
      history: [],
      request: { step: 2 },
      steps: [
        ["001", "pending, --step 2", []],
        ["002", "pending, --step 2", ["001"]],
      ],
    },
    {
      name: "--step larger than what is pending",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a")],
      request: { step: 10 },
      steps: [["002", "pending, --step 10", []]],
    },
    {
      name: "--to and --step together",
      migrations: migrations("001_a", "002_b", "003_c", "004_d"),
      history: [],
      request: { to: "3", step: 1 },
      steps: [["001", "pending, requested by --to 3, --step 1", []]],
    },
    {
      name: "--to an unknown version",
      migrations: migrations("001_a", "002_b"),
      history: [],
      request: { to: "7" },
      ok: false,
      problems: ["UNKNOWN_VERSION"],
    },
    {
      name: "--to an applied version: nothing to do, a warning",
      migrations: migrations("001_a", "002_b", "003_c"),
      history: [applied("001_a"), applied("002_b"), applied("003_c")],
      request: { to: "3" },
      steps: [],
      problems: ["UNKNOWN_VERSION 003_c.sql"],
    },
    {
      name: "--to below the current version: nothing to do, a warning",
      migrations: migrations("001_a", "002_b", "003_c", "004_d"),
      history: [applied("001_a"), applied("002_b"), applied("003_c")],
      request: { to: "1" },
      steps: [],
      problems: ["UNKNOWN_VERSION 001_a.sql"],
    },
    {
      name: "a rolled-back migration is pending again",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a"), applied("002_b", { state: "rolled_back", batch: 2 })],
      steps: [["002", "pending (rolled back earlier)", []]],
    },
    {
      name: "out of order allowed: applied, with the reason",
      migrations: migrations("001_a", "002_late", "003_c", "004_d"),
      history: [applied("001_a"), applied("003_c")],
      allowOutOfOrder: true,
      steps: [
        ["002", "pending, out of order (allowed by --allow-out-of-order)", []],
        ["004", "pending", ["002"]],
      ],
    },
    {
      name: "out of order refused",
      migrations: migrations("001_a", "002_late", "003_c", "004_d"),
      history: [applied("001_a"), applied("003_c")],
      ok: false,
      problems: ["OUT_OF_ORDER 002_late.sql"],
    },
    {
      name: "dirty state refuses to run",
      migrations: migrations("001_a", "002_b", "003_c"),
      history: [applied("001_a"), applied("002_b", { state: "running" })],
      ok: false,
      problems: ["DIRTY 002_b.sql"],
    },
    {
      name: "a changed applied file refuses to run",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a", { checksum: "x" })],
      ok: false,
      problems: ["CHECKSUM_MISMATCH 001_a.sql"],
    },
    {
      name: "a missing applied file refuses to run",
      migrations: migrations("001_a", "003_c"),
      history: [applied("001_a"), applied("002_b")],
      ok: false,
      problems: ["MISSING_FILE"],
    },
    {
      name: "every problem at once, including the request's",
      migrations: [migration("001_a", { dependsOn: ["8"] }), migration("002_b"), migration("003_c")],
      history: [applied("002_b", { checksum: "x" }), applied("003_c", { state: "failed" })],
      request: { to: "42" },
      ok: false,
      problems: ["UNKNOWN_DEPENDENCY 001_a.sql", "CHECKSUM_MISMATCH 002_b.sql", "DIRTY 003_c.sql", "OUT_OF_ORDER 001_a.sql", "UNKNOWN_VERSION"],
    },
    {
      name: "graph: topological order, dependencies as `after`",
      ordering: "graph",
      migrations: diamond(),
      history: [],
      steps: [
        ["001", "pending", []],
        ["002", "pending", ["001"]],
        ["003", "pending", ["001"]],
        ["004", "pending", ["002", "003"]],
        ["005", "pending", []],
      ],
    },
    {
      name: "graph: --to is the migration and its pending dependencies",
      ordering: "graph",
      migrations: diamond(),
      history: [applied("001_base"), applied("003_orders")],
      request: { to: "4" },
      steps: [
        ["002", "pending, needed by 004_report (--to 4)", []],
        ["004", "pending, requested by --to 4", ["002"]],
      ],
    },
    {
      name: "graph: --to leaves unrelated lower versions alone",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_b"), migration("003_c", { dependsOn: ["1"] })],
      history: [],
      request: { to: "3" },
      steps: [
        ["001", "pending, needed by 003_c (--to 3)", []],
        ["003", "pending, requested by --to 3", ["001"]],
      ],
    },
    {
      name: "graph: --step takes a dependency-closed prefix",
      ordering: "graph",
      migrations: diamond(),
      history: [],
      request: { step: 3 },
      steps: [
        ["001", "pending, --step 3", []],
        ["002", "pending, --step 3", ["001"]],
        ["003", "pending, --step 3", ["001"]],
      ],
    },
    {
      name: "graph: an old migration is applied when nothing applied needs it",
      ordering: "graph",
      migrations: diamond(),
      history: [applied("001_base"), applied("003_orders"), applied("005_unrelated")],
      steps: [
        ["002", "pending", []],
        ["004", "pending", ["002"]],
      ],
    },
    {
      name: "graph: --to an applied migration whose closure is applied",
      ordering: "graph",
      migrations: diamond(),
      history: [applied("001_base"), applied("003_orders")],
      request: { to: "3" },
      steps: [],
      problems: ["UNKNOWN_VERSION 003_orders.sql"],
    },
    {
      name: "graph: a cycle refuses to plan",
      ordering: "graph",
      migrations: [migration("001_a", { dependsOn: ["2"] }), migration("002_b", { dependsOn: ["1"] })],
      history: [],
      ok: false,
      problems: ["DEPENDENCY_CYCLE 001_a.sql 002_b.sql"],
    },
  ];

  it.each(cases)("$name", ({ migrations, history, request, ordering, allowOutOfOrder, steps, problems, ok }) => {
    const result = plan(
      migrations,
      history,
      { direction: "up", ...request },
      { ordering: ordering ?? "linear", allowOutOfOrder: allowOutOfOrder ?? false },
    );
    expect(result.ok).toBe(ok ?? true);
    expect(summary(problemsOf(result))).toEqual(problems ?? []);
    if (result.ok) {
      expect(result.steps.map((s) => [s.migration.version, s.reason, s.after])).toEqual(steps ?? []);
      for (const s of result.steps) expect(s.direction).toBe("up");
      for (const w of result.warnings) expect(w.severity).toBe("warning");
    }
  });

  it("the warning for a target below the head says how to go back", () => {
    const result = plan(
      migrations("001_a", "002_b", "003_c"),
      [applied("001_a"), applied("002_b"), applied("003_c")],
      { direction: "up", to: "1" },
      { ordering: "linear", allowOutOfOrder: false },
    );
    const [w] = problemsOf(result);
    expect(w?.message).toContain("below the current version 003_c");
    expect(w?.fix).toContain("stratum down --to 1");
  });

  it("the dirty problem explains how to resolve", () => {
    const result = plan(migrations("001_a"), [applied("001_a", { state: "failed", error: "boom" })], { direction: "up" }, { ordering: "linear", allowOutOfOrder: false });
    const [p] = problemsOf(result);
    expect(p?.message).toContain("001_a");
    expect(p?.message).toContain("001_a.sql");
    expect(p?.fix).toContain("stratum resolve 001 --applied");
    expect(p?.fix).toContain("stratum resolve 001 --rolled-back");
  });

  it("discovery warnings ride along with an ok plan; discovery errors stop it", () => {
    const warning = { code: "BAD_DIRECTIVE", message: "Odd header.", files: ["001_a.sql:1"], fix: "Fix it.", severity: "warning" } as const;
    const okPlan = plan(migrations("001_a"), [], { direction: "up" }, { ordering: "linear", allowOutOfOrder: false, discoveryProblems: [warning] });
    expect(versionsOf(okPlan)).toEqual(["001"]);
    expect(problemsOf(okPlan)).toEqual([warning]);
    const error = { ...warning, code: "MALFORMED_NAME", severity: "error" } as const;
    const failed = plan(migrations("001_a"), [], { direction: "up" }, { ordering: "linear", allowOutOfOrder: false, discoveryProblems: [error, warning] });
    expect(failed.ok).toBe(false);
    expect(problemsOf(failed)).toEqual([error, warning]);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects --step %s as a usage error", (step) => {
    expect(() => plan(migrations("001_a"), [], { direction: "up", step }, { ordering: "linear", allowOutOfOrder: false })).toThrow(StratumError);
    try {
      plan(migrations("001_a"), [], { direction: "up", step }, { ordering: "linear", allowOutOfOrder: false });
    } catch (error) {
      expect((error as StratumError).code).toBe("USAGE");
    }
  });
});
