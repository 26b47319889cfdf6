import { describe, expect, it } from "vitest";
import { mergeHistory, statusOf } from "../../../src/core/status.js";
import type { AppliedMigration, MigrationFile, StatusState } from "../../../src/core/types.js";
import { applied, migration, migrations, sumOf, summary } from "./factories.js";

describe("statusOf", () => {
  const cases: {
    name: string;
    migrations: MigrationFile[];
    history: AppliedMigration[];
    states: [string, StatusState][];
    pending: number;
    dirty: boolean;
    problems: string[];
  }[] = [
    {
      name: "nothing applied",
      migrations: migrations("001_a", "002_b"),
      history: [],
      states: [["001", "pending"], ["002", "pending"]],
      pending: 2,
      dirty: false,
      problems: [],
    },
    {
      name: "applied and pending",
      migrations: migrations("001_a", "002_b", "003_c"),
      history: [applied("001_a"), applied("002_b")],
      states: [["001", "applied"], ["002", "applied"], ["003", "pending"]],
      pending: 1,
      dirty: false,
      problems: [],
    },
    {
      name: "changed file",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a", { checksum: "old" }), applied("002_b")],
      states: [["001", "changed"], ["002", "applied"]],
      pending: 0,
      dirty: false,
      problems: ["CHECKSUM_MISMATCH 001_a.sql"],
    },
    {
      name: "changed pair lists both files",
      migrations: [migration("001_a", { pair: true })],
      history: [applied("001_a", { checksum: "old" })],
      states: [["001", "changed"]],
      pending: 0,
      dirty: false,
      problems: ["CHECKSUM_MISMATCH 001_a.up.sql 001_a.down.sql"],
    },
    {
      name: "missing file is merged in version order",
      migrations: migrations("001_a", "003_c"),
      history: [applied("001_a"), applied("002_gone"), applied("003_c")],
      states: [["001", "applied"], ["002", "missing"], ["003", "applied"]],
      pending: 0,
      dirty: false,
      problems: ["MISSING_FILE"],
    },
    {
      name: "rolled back counts as pending",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a"), applied("002_b", { state: "rolled_back", checksum: "whatever" })],
      states: [["001", "applied"], ["002", "rolled_back"]],
      pending: 1,
      dirty: false,
      problems: [],
    },
    {
      name: "running row makes the report dirty",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a"), applied("002_b", { state: "running" })],
      states: [["001", "applied"], ["002", "running"]],
      pending: 0,
      dirty: true,
      problems: ["DIRTY 002_b.sql"],
    },
    {
      name: "failed row makes the report dirty, even without its file",
      migrations: migrations("001_a"),
      history: [applied("001_a"), applied("002_b", { state: "failed", error: "syntax error" })],
      states: [["001", "applied"], ["002", "failed"]],
      pending: 0,
      dirty: true,
      problems: ["DIRTY"],
    },
    {
      name: "a row matches its file whatever the zero padding",
      migrations: migrations("001_a", "0010_b"),
      history: [applied("1_a", { checksum: sumOf("001_a") }), applied("10_b", { checksum: sumOf("0010_b") })],
      states: [["001", "applied"], ["0010", "applied"]],
      pending: 0,
      dirty: false,
      problems: [],
    },
    {
      name: "versions order as integers",
      migrations: migrations("10_c", "9_b", "20261121093000_d"),
      history: [applied("2_a")],
      states: [["2", "missing"], ["9", "pending"], ["10", "pending"], ["20261121093000", "pending"]],
      pending: 3,
      dirty: false,
      problems: ["MISSING_FILE"],
    },
  ];

  it.each(cases)("$name", ({ migrations, history, states, pending, dirty, problems }) => {
    const report = statusOf(migrations, history);
    expect(report.migrations.map((e) => [e.version, e.state])).toEqual(states);
    expect(report.pending).toBe(pending);
    expect(report.dirty).toBe(dirty);
    expect(summary(report.problems)).toEqual(problems);
  });

  it("fills the JSON contract fields", () => {
    const report = statusOf(migrations("001_a", "002_b"), [applied("001_a"), applied("003_gone")]);
    expect(report.migrations).toEqual([
      { version: "001", name: "a", state: "applied", checksum: sumOf("001_a"), appliedAt: "2026-01-01T00:00:00.000Z", durationMs: 12, file: "001_a.sql" },
      { version: "002", name: "b", state: "pending", checksum: sumOf("002_b"), appliedAt: null, durationMs: null, file: "002_b.sql" },
      { version: "003", name: "gone", state: "missing", checksum: sumOf("003_gone"), appliedAt: "2026-01-01T00:00:00.000Z", durationMs: 12, file: null },
    ]);
  });

  it("explains each problem with checksums, names and fixes", () => {
    const report = statusOf(migrations("001_a", "002_b"), [
      applied("001_a", { checksum: "abc123" }),
      applied("002_b", { state: "failed" }),
      applied("003_gone"),
    ]);
    const [changed, dirty, missing] = report.problems;
    expect(changed?.message).toContain("abc123");
    expect(changed?.message).toContain(sumOf("001_a"));
    expect(changed?.fix).toContain("stratum repair");
    expect(dirty?.message).toContain("002_b");
    expect(dirty?.fix).toContain("stratum resolve 002 --applied");
    expect(dirty?.fix).toContain("--rolled-back");
    expect(missing?.message).toContain("003_gone");
    for (const p of report.problems) expect(p.severity).toBe("error");
  });

  it("keeps a stored multi-line error to its first line", () => {
    const report = statusOf(migrations("001_a"), [applied("001_a", { state: "failed", error: "relation \"x\" does not exist\n  at line 4\n  stack…" })]);
    expect(report.problems[0]?.message).toContain('(relation "x" does not exist)');
    expect(report.problems[0]?.message).not.toContain("stack");
  });
});

describe("mergeHistory", () => {
  const pairs = (merged: ReturnType<typeof mergeHistory>) =>
    merged.map((e) => `${e.version}:${e.file?.id ?? "-"}:${e.row === null ? "-" : `${e.row.version}_${e.row.name}`}${e.unusable === true ? ":unusable" : ""}`);

  it("pairs files with rows by version as a version, in version order", () => {
    const files = [migration("001_a"), migration("002_b"), migration("003_c")];
    expect(pairs(mergeHistory(files, [applied("2_b"), applied("001_a")]))).toEqual(["001:001_a:001_a", "002:002_b:2_b", "003:003_c:-"]);
  });

  it("gives a shared version's row to the file of the same name, else the first, and rows without files their place in order", () => {
    const files = [migration("001_a"), migration("003_c"), migration("003_b"), migration("005_e")];
    const rows = [applied("003_c"), applied("004_gone"), applied("000_older"), applied("006_unreadable")];
    expect(pairs(mergeHistory(files, rows, new Set(["6"])))).toEqual([
      "000:-:000_older",
      "001:001_a:-",
      "003:003_b:-",
      "003:003_c:003_c",
      "004:-:004_gone",
      "005:005_e:-",
      "006:-:006_unreadable:unusable",
    ]);
    // a row whose name is neither file's goes to the first
    expect(pairs(mergeHistory(files.slice(1, 3), [applied("3_x")]))).toEqual(["003:003_b:3_x", "003:003_c:-"]);
  });

  it("keeps the last of several rows for one version, in the history's order, whatever order the rows come in", () => {
    const files = [migration("001_a"), migration("002_b")];
    const rows = [applied("002_b"), applied("1_first"), applied("001_second"), applied("01_third")];
    expect(pairs(mergeHistory(files, rows))).toEqual(["001:001_a:01_third", "002:002_b:002_b"]);
    expect(pairs(mergeHistory(files, [applied("009_z"), applied("1_a"), applied("007_y")]))).toEqual([
      "001:001_a:1_a",
      "002:002_b:-",
      "007:-:007_y",
      "009:-:009_z",
    ]);
  });

  it("takes files in any order", () => {
    const files = [migration("003_c"), migration("001_a"), migration("002_b")];
    expect(pairs(mergeHistory(files, [applied("003_c")]))).toEqual(["001:001_a:-", "002:002_b:-", "003:003_c:003_c"]);
  });
});
