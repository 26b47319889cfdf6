import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validate } from "../../../src/core/planner.js";
import type { AppliedMigration, MigrationFile, Ordering, Problem } from "../../../src/core/types.js";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";
import { applied, migration, migrations, summary } from "./factories.js";

// These tests assert the wording CLI users read (`pass --allow-out-of-order`), so they run under the
// CLI's vocabulary; test/unit/planner/library-wording.test.ts shows the library's own words.
beforeAll(() => useVocabulary(cliVocabulary));
afterAll(() => useVocabulary(optionVocabulary));

const malformed: Problem = {
  code: "MALFORMED_NAME",
  message: "notes.sql is not named <version>_<slug>.sql.",
  files: ["notes.sql"],
  fix: "Rename it.",
  severity: "error",
};
const reportedDuplicate: Problem = {
  code: "DUPLICATE_VERSION",
  message: "Version 002 is used twice.",
  files: ["002_b.sql", "002_c.sql"],
  fix: "Renumber one.",
  severity: "error",
};
const discoveryWarning: Problem = {
  code: "BAD_DIRECTIVE",
  message: "Unknown directive stratum:foo.",
  files: ["001_a.sql:1"],
  fix: "Remove it.",
  severity: "warning",
};

describe("validate", () => {
  const cases: {
    name: string;
    migrations: MigrationFile[];
    history: AppliedMigration[];
    ordering?: Ordering;
    allowOutOfOrder?: boolean;
    discovery?: Problem[];
    problems: string[];
  }[] = [
    { name: "clean", migrations: migrations("001_a", "002_b"), history: [applied("001_a")], problems: [] },
    {
      name: "discovery problems pass through, warnings included",
      migrations: migrations("001_a"),
      history: [],
      discovery: [malformed, discoveryWarning],
      problems: ["MALFORMED_NAME notes.sql", "BAD_DIRECTIVE 001_a.sql:1"],
    },
    {
      name: "duplicate versions are found",
      migrations: migrations("001_a", "002_b", "2_c"),
      history: [],
      problems: ["DUPLICATE_VERSION 002_b.sql 2_c.sql"],
    },
    {
      name: "duplicate versions already reported by discovery are not repeated",
      migrations: migrations("001_a", "002_b", "002_c"),
      history: [],
      discovery: [reportedDuplicate],
      problems: ["DUPLICATE_VERSION 002_b.sql 002_c.sql"],
    },
    {
      name: "unknown dependency",
      migrations: [migration("001_a"), migration("002_b", { dependsOn: ["7"] })],
      history: [],
      problems: ["UNKNOWN_DEPENDENCY 002_b.sql"],
    },
    {
      name: "self dependency",
      migrations: [migration("001_a", { dependsOn: ["001_a"] })],
      history: [],
      problems: ["SELF_DEPENDENCY 001_a.sql"],
    },
    {
      name: "forward dependency (linear)",
      migrations: [migration("001_a", { dependsOn: ["2"] }), migration("002_b")],
      history: [],
      problems: ["FORWARD_DEPENDENCY 001_a.sql 002_b.sql"],
    },
    {
      name: "dependency cycle (graph)",
      ordering: "graph",
      migrations: [migration("001_a", { dependsOn: ["2"] }), migration("002_b", { dependsOn: ["1"] })],
      history: [],
      problems: ["DEPENDENCY_CYCLE 001_a.sql 002_b.sql"],
    },
    {
      name: "checksum mismatch",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a"), applied("002_b", { checksum: "edited" })],
      problems: ["CHECKSUM_MISMATCH 002_b.sql"],
    },
    {
      name: "missing file",
      migrations: migrations("001_a"),
      history: [applied("001_a"), applied("002_b")],
      problems: ["MISSING_FILE"],
    },
    {
      name: "dirty: running and failed rows",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a", { state: "failed" }), applied("002_b", { state: "running" })],
      problems: ["DIRTY 001_a.sql", "DIRTY 002_b.sql"],
    },
    {
      name: "a rolled-back row whose file changed is fine (it is pending)",
      migrations: migrations("001_a", "002_b"),
      history: [applied("001_a"), applied("002_b", { state: "rolled_back", checksum: "older" })],
      problems: [],
    },
    {
      name: "out of order (linear)",
      migrations: migrations("001_a", "002_late", "003_c"),
      history: [applied("001_a"), applied("003_c")],
      problems: ["OUT_OF_ORDER 002_late.sql"],
    },
    {
      name: "out of order allowed (linear)",
      migrations: migrations("001_a", "002_late", "003_c"),
      history: [applied("001_a"), applied("003_c")],
      allowOutOfOrder: true,
      problems: [],
    },
    {
      name: "graph: an old pending migration nothing applied depends on is fine",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_late"), migration("003_c", { dependsOn: ["1"] })],
      history: [applied("001_a"), applied("003_c")],
      problems: [],
    },
    {
      name: "graph: an old pending migration whose own dependency is pending is fine",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_late", { dependsOn: ["4"] }), migration("003_c"), migration("004_d")],
      history: [applied("001_a"), applied("003_c")],
      problems: [],
    },
    {
      name: "graph: an applied migration depending on a pending one is out of order",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_late"), migration("003_c", { dependsOn: ["2"] })],
      history: [applied("001_a"), applied("003_c")],
      problems: ["OUT_OF_ORDER 002_late.sql 003_c.sql"],
    },
    {
      name: "graph: ...unless allowed",
      ordering: "graph",
      allowOutOfOrder: true,
      migrations: [migration("001_a"), migration("002_late"), migration("003_c", { dependsOn: ["2"] })],
      history: [applied("001_a"), applied("003_c")],
      problems: [],
    },
    {
      name: "unloaded code migration: dependencies recorded in history are used",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_late"), migration("003_c", { kind: "code" })],
      history: [applied("001_a"), applied("003_c", { dependsOn: ["2"] })],
      problems: ["OUT_OF_ORDER 002_late.sql 003_c.ts"],
    },
    {
      name: "recorded dependencies are ignored once the code file changed",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_late"), migration("003_c", { kind: "code" })],
      history: [applied("001_a"), applied("003_c", { dependsOn: ["2"], checksum: "before" })],
      problems: ["CHECKSUM_MISMATCH 003_c.ts"],
    },
    {
      name: "every problem at once",
      migrations: [
        migration("001_a", { dependsOn: ["9"] }),
        migration("002_b"),
        migration("003_c"),
        migration("005_e"),
      ],
      history: [applied("002_b", { checksum: "x" }), applied("004_d"), applied("005_e", { state: "failed" })],
      discovery: [malformed],
      problems: [
        "MALFORMED_NAME notes.sql",
        "UNKNOWN_DEPENDENCY 001_a.sql",
        "CHECKSUM_MISMATCH 002_b.sql",
        "MISSING_FILE",
        "DIRTY 005_e.sql",
        "OUT_OF_ORDER 001_a.sql",
        "OUT_OF_ORDER 003_c.sql",
      ],
    },
  ];

  it.each(cases)("$name", ({ migrations, history, ordering, allowOutOfOrder, discovery, problems }) => {
    const found = validate(migrations, history, {
      ordering: ordering ?? "linear",
      allowOutOfOrder: allowOutOfOrder ?? false,
      ...(discovery ? { discoveryProblems: discovery } : {}),
    });
    expect(summary(found)).toEqual(problems);
    for (const p of found) {
      expect(p.message).toMatch(/[.]$/);
      expect(p.fix).toMatch(/[.]$/);
    }
  });

  it("the out-of-order message names the applied head and the fix names the flag", () => {
    const [p] = validate(migrations("001_a", "002_late", "003_c"), [applied("001_a"), applied("003_c")], {
      ordering: "linear",
      allowOutOfOrder: false,
    });
    expect(p?.message).toContain("002_late");
    expect(p?.message).toContain("003_c");
    expect(p?.fix).toContain("--allow-out-of-order");
  });
});
