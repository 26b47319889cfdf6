import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StratumError } from "../../../src/core/errors.js";
import { plan } from "../../../src/core/planner.js";
import type { AppliedMigration, MigrationFile, Ordering, PlanRequest } from "../../../src/core/types.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";
import { applied, migration, migrations, problemsOf, summary } from "./factories.js";

// These tests assert the wording CLI users read (`--step 2`, `--to 3`), so they run under the
// CLI's vocabulary; test/unit/planner/library-wording.test.ts shows the library's own words.
beforeAll(() => useVocabulary(cliVocabulary));
afterAll(() => useVocabulary(optionVocabulary));

type Down = Extract<PlanRequest, { direction: "down" }>;

const linear = migrations("001_a", "002_b", "003_c", "004_d");
const linearHistory = [
  applied("001_a", { batch: 1 }),
  applied("002_b", { batch: 1 }),
  applied("003_c", { batch: 2 }),
  applied("004_d", { batch: 3 }),
];

// 001 ← 002 ← 004, 001 ← 003; 005 alone; 006 depends on the higher 007 (legal in graph mode).
const graph = (): MigrationFile[] => [
  migration("001_base"),
  migration("002_users", { dependsOn: ["1"] }),
  migration("003_orders", { dependsOn: ["1"] }),
  migration("004_report", { dependsOn: ["2"] }),
  migration("005_unrelated"),
  migration("006_view", { dependsOn: ["7"] }),
  migration("007_table"),
];
const graphHistory = (): AppliedMigration[] => [
  applied("001_base", { batch: 1 }),
  applied("002_users", { batch: 1 }),
  applied("003_orders", { batch: 2 }),
  applied("004_report", { batch: 2 }),
  applied("005_unrelated", { batch: 3 }),
  applied("007_table", { batch: 3 }),
  applied("006_view", { batch: 3 }),
];

describe("plan down", () => {
  const cases: {
    name: string;
    migrations: MigrationFile[];
    history: AppliedMigration[];
    request?: Omit<Down, "direction">;
    ordering?: Ordering;
    allowOutOfOrder?: boolean;
    steps?: [version: string, reason: string, after: string[]][];
    problems?: string[];
    ok?: boolean;
  }[] = [
    {
      name: "default: the newest one",
      migrations: linear,
      history: linearHistory,
      steps: [["004", "rollback: most recent (default --step 1)", []]],
    },
    {
      name: "nothing applied: an empty plan",
      migrations: linear,
      history: [],
      steps: [],
    },
    {
      name: "--step 2",
      migrations: linear,
      history: linearHistory,
      request: { step: 2 },
      steps: [
        ["004", "rollback: --step 2", []],
        ["003", "rollback: --step 2", ["004"]],
      ],
    },
    {
      name: "--step beyond what is applied takes all",
      migrations: linear,
      history: linearHistory.slice(0, 2),
      request: { step: 9 },
      steps: [
        ["002", "rollback: --step 9", []],
        ["001", "rollback: --step 9", ["002"]],
      ],
    },
    {
      name: "--to V keeps V applied",
      migrations: linear,
      history: linearHistory,
      request: { to: "2" },
      steps: [
        ["004", "rollback: above 2 (--to 2)", []],
        ["003", "rollback: above 2 (--to 2)", ["004"]],
      ],
    },
    {
      name: "--to the head is an empty plan",
      migrations: linear,
      history: linearHistory,
      request: { to: "004_d" },
      steps: [],
    },
    {
      name: "--to 0 rolls back everything",
      migrations: linear,
      history: linearHistory,
      request: { to: "0" },
      steps: [
        ["004", "rollback: --to 0 (everything)", []],
        ["003", "rollback: --to 0 (everything)", ["004"]],
        ["002", "rollback: --to 0 (everything)", ["003"]],
        ["001", "rollback: --to 0 (everything)", ["002"]],
      ],
    },
    {
      name: "--to a version that is not applied",
      migrations: linear,
      history: linearHistory.slice(0, 2),
      request: { to: "3" },
      ok: false,
      problems: ["UNKNOWN_VERSION 003_c.sql"],
    },
    {
      name: "--to a version that does not exist",
      migrations: linear,
      history: linearHistory,
      request: { to: "99" },
      ok: false,
      problems: ["UNKNOWN_VERSION"],
    },
    {
      name: "--batch: every migration of the highest batch",
      migrations: linear,
      history: [applied("001_a", { batch: 1 }), applied("002_b", { batch: 2 }), applied("003_c", { batch: 2 }), applied("004_d", { batch: 2 })],
      request: { batch: true },
      steps: [
        ["004", "rollback: in batch 2", []],
        ["003", "rollback: in batch 2", ["004"]],
        ["002", "rollback: in batch 2", ["003"]],
      ],
    },
    {
      name: "--all",
      migrations: linear,
      history: linearHistory.slice(0, 3),
      request: { all: true },
      steps: [
        ["003", "rollback: --all", []],
        ["002", "rollback: --all", ["003"]],
        ["001", "rollback: --all", ["002"]],
      ],
    },
    {
      name: "versions: the newest ones are fine",
      migrations: linear,
      history: linearHistory,
      request: { versions: ["3", "004_d"] },
      steps: [
        ["004", "rollback: requested", []],
        ["003", "rollback: requested", ["004"]],
      ],
    },
    {
      name: "versions: linear mode refuses to leave newer ones applied",
      migrations: linear,
      history: linearHistory,
      request: { versions: ["2", "4"] },
      ok: false,
      problems: ["OUT_OF_ORDER 002_b.sql 003_c.sql"],
    },
    {
      name: "versions: unknown and not applied",
      migrations: linear,
      history: linearHistory.slice(0, 3),
      request: { versions: ["4", "77"] },
      ok: false,
      problems: ["UNKNOWN_VERSION 004_d.sql", "UNKNOWN_VERSION"],
    },
    {
      name: "a rolled-back row is not in the applied set",
      migrations: linear,
      history: [...linearHistory.slice(0, 3), applied("004_d", { state: "rolled_back" })],
      steps: [["003", "rollback: most recent (default --step 1)", []]],
    },
    {
      name: "pending out-of-order migrations do not stop a rollback",
      migrations: linear,
      history: [applied("001_a"), applied("003_c")],
      steps: [["003", "rollback: most recent (default --step 1)", []]],
    },
    {
      name: "dirty state stops a rollback too",
      migrations: linear,
      history: [...linearHistory.slice(0, 3), applied("004_d", { state: "failed" })],
      ok: false,
      problems: ["DIRTY 004_d.sql"],
    },
    {
      name: "every obstacle in the way at once",
      migrations: [
        migration("001_a"),
        migration("002_kept", { irreversible: true }),
        migration("003_irrev", { irreversible: true }),
        migration("004_nodown", { down: null }),
        migration("005_code", { kind: "code" }),
        migration("006_changed"),
        migration("008_last"),
      ],
      history: [
        applied("001_a"),
        applied("002_kept"),
        applied("003_irrev"),
        applied("004_nodown"),
        applied("005_code"),
        applied("006_changed", { checksum: "edited" }),
        applied("007_gone"),
        applied("008_last"),
      ],
      request: { to: "2" },
      ok: false,
      problems: [
        "CHECKSUM_MISMATCH 006_changed.sql",
        "MISSING_FILE",
        "NO_DOWN 004_nodown.sql",
        "IRREVERSIBLE 003_irrev.sql",
      ],
    },
    {
      name: "a code migration counts as reversible until loaded",
      migrations: [migration("001_a"), migration("002_code", { kind: "code" })],
      history: [applied("001_a"), applied("002_code")],
      steps: [["002", "rollback: most recent (default --step 1)", []]],
    },
    {
      name: "irreversible below the target is not in the way",
      migrations: [migration("001_a", { irreversible: true }), migration("002_b", { down: null }), migration("003_c")],
      history: [applied("001_a"), applied("002_b"), applied("003_c")],
      request: { to: "2" },
      steps: [["003", "rollback: above 2 (--to 2)", []]],
    },
    {
      name: "graph: --all is reverse topological, dependents first",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      request: { all: true },
      steps: [
        ["006", "rollback: --all", []],
        ["007", "rollback: --all", ["006"]],
        ["005", "rollback: --all", []],
        ["004", "rollback: --all", []],
        ["003", "rollback: --all", []],
        ["002", "rollback: --all", ["004"]],
        ["001", "rollback: --all", ["003", "002"]],
      ],
    },
    {
      name: "graph: default step 1 takes a leaf",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      steps: [["006", "rollback: most recent (default --step 1)", []]],
    },
    {
      name: "graph: --to above V needs nothing pulled in when dependents are above too",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      request: { to: "5" },
      steps: [
        ["006", "rollback: above 5 (--to 5)", []],
        ["007", "rollback: above 5 (--to 5)", ["006"]],
      ],
    },
    {
      name: "graph: --to pulls in dependents of what goes, whatever their version",
      ordering: "graph",
      migrations: [migration("001_a", { dependsOn: ["3"] }), migration("002_b"), migration("003_c")],
      history: [applied("001_a"), applied("002_b"), applied("003_c")],
      request: { to: "2" },
      steps: [
        ["001", "rollback: dependent of 003 (--to 2)", []],
        ["003", "rollback: above 2 (--to 2)", ["001"]],
      ],
    },
    {
      name: "graph: --to V cannot keep V when it depends on a higher version",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      request: { to: "6" },
      ok: false,
      problems: ["FORWARD_DEPENDENCY 006_view.sql 007_table.sql"],
    },
    {
      name: "graph: versions with their dependents are fine",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      request: { versions: ["2", "4"] },
      steps: [
        ["004", "rollback: requested", []],
        ["002", "rollback: requested", ["004"]],
      ],
    },
    {
      name: "graph: versions never need to be the newest",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      request: { versions: ["3"] },
      steps: [["003", "rollback: requested", []]],
    },
    {
      name: "graph: versions that would strand a dependent",
      ordering: "graph",
      migrations: graph(),
      history: graphHistory(),
      request: { versions: ["1", "2"] },
      ok: false,
      problems: ["OUT_OF_ORDER 001_base.sql 003_orders.sql", "OUT_OF_ORDER 002_users.sql 004_report.sql"],
    },
    {
      name: "graph: --batch that would strand a dependent",
      ordering: "graph",
      migrations: graph(),
      history: [
        applied("001_base", { batch: 1 }),
        applied("002_users", { batch: 2 }),
        applied("003_orders", { batch: 1 }),
        applied("004_report", { batch: 1 }),
      ],
      request: { batch: true },
      ok: false,
      problems: ["OUT_OF_ORDER 002_users.sql 004_report.sql"],
    },
    {
      name: "graph: dependencies recorded in history order an unloaded code migration",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_b"), migration("003_code", { kind: "code" })],
      history: [applied("001_a"), applied("002_b"), applied("003_code", { dependsOn: ["1"] })],
      request: { versions: ["1"] },
      ok: false,
      problems: ["OUT_OF_ORDER 001_a.sql 003_code.ts"],
    },
  ];

  it.each(cases)("$name", ({ migrations, history, request, ordering, allowOutOfOrder, steps, problems, ok }) => {
    const result = plan(
      migrations,
      history,
      { direction: "down", ...request },
      { ordering: ordering ?? "linear", allowOutOfOrder: allowOutOfOrder ?? false },
    );
    expect(summary(problemsOf(result))).toEqual(problems ?? []);
    expect(result.ok).toBe(ok ?? true);
    if (result.ok) {
      expect(result.steps.map((s) => [s.migration.version, s.reason, s.after])).toEqual(steps ?? []);
      for (const s of result.steps) expect(s.direction).toBe("down");
    }
  });

  it("the stranding problem names the dependent", () => {
    const result = plan(graph(), graphHistory(), { direction: "down", versions: ["2"] }, { ordering: "graph", allowOutOfOrder: false });
    const [p] = problemsOf(result);
    expect(p?.message).toContain("002_users");
    expect(p?.message).toContain("004_report");
  });

  it("the linear newest-only problem names what stays applied", () => {
    const result = plan(linear, linearHistory, { direction: "down", versions: ["2"] }, { ordering: "linear", allowOutOfOrder: false });
    const [p] = problemsOf(result);
    expect(p?.message).toContain("004_d and 003_c");
  });

  it.each<[string, Omit<Down, "direction">]>([
    ["--to with --step", { to: "1", step: 1 }],
    ["--batch with --all", { batch: true, all: true }],
    ["versions with --to", { versions: ["1"], to: "1" }],
    ["--step 0", { step: 0 }],
  ])("rejects %s as a usage error", (_, request) => {
    let caught: unknown;
    try {
      plan(linear, linearHistory, { direction: "down", ...request }, { ordering: "linear", allowOutOfOrder: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StratumError);
    expect((caught as StratumError).code).toBe("USAGE");
  });
});
