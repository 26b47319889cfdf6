// The pure decision of whether a step runs in a transaction: what the migration declares per
// direction, and what its script's statements need.

import { describe, expect, it } from "vitest";
import { outsideTransactionRefusal, stepTransaction, transactionFor } from "../../../src/core/run-policy.js";
import { automaticOutsideNote, mixedTransactionProblem, statementKind, transactionNeed } from "../../../src/core/statement-checks.js";
import type { MigrationFile } from "../../../src/core/types.js";

const CIC = "CREATE INDEX CONCURRENTLY cannot run inside a transaction block";
const at = (line: number, reason: string | null = null) => ({ line, nonTransactionalReason: reason });

describe("transactionFor", () => {
  it.each([
    [{}, "up", undefined],
    [{}, "down", undefined],
    [{ transaction: false }, "up", false],
    [{ transaction: false }, "down", false],
    [{ transaction: true }, "down", true],
    [{ downTransaction: false }, "up", undefined],
    [{ downTransaction: false }, "down", false],
    [{ transaction: false, downTransaction: true }, "up", false],
    [{ transaction: false, downTransaction: true }, "down", true],
    [{ transaction: true, downTransaction: false }, "down", false],
  ] as const)("%j for %s → %s", (options, direction, expected) => {
    expect(transactionFor(options, direction)).toBe(expected);
  });
});

describe("transactionNeed", () => {
  it("no statements need nothing (a no-op runs like any migration)", () => {
    expect(transactionNeed("001_x.sql", [])).toEqual({ kind: "any" });
  });

  it("only transactional statements need nothing", () => {
    expect(transactionNeed("001_x.sql", [at(2), at(3)])).toEqual({ kind: "any" });
  });

  it("every statement outside: outside, with each place and reason", () => {
    expect(transactionNeed("003_x.sql", [at(4, CIC), at(5, "VACUUM cannot run inside a transaction block")])).toEqual({
      kind: "outside",
      outside: [
        { location: "003_x.sql:4", reason: CIC },
        { location: "003_x.sql:5", reason: "VACUUM cannot run inside a transaction block" },
      ],
    });
  });

  it("a mix names every statement of each kind", () => {
    expect(transactionNeed("003_x.sql", [at(2), at(4, CIC), at(6)])).toEqual({
      kind: "mixed",
      outside: [{ location: "003_x.sql:4", reason: CIC }],
      inside: ["003_x.sql:2", "003_x.sql:6"],
    });
  });
});

describe("statementKind and the automatic note", () => {
  it.each([
    [CIC, "CREATE INDEX CONCURRENTLY"],
    ["VACUUM cannot run inside a transaction", "VACUUM"],
    ["something else", "something else"],
  ])("%s → %s", (reason, kind) => {
    expect(statementKind(reason)).toBe(kind);
  });

  it("says where the first such statement is", () => {
    expect(automaticOutsideNote({ location: "003_x.sql:4", reason: CIC })).toBe("automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4");
  });
});

describe("stepTransaction", () => {
  const outside = transactionNeed("003_x.sql", [at(4, CIC)]);
  const mixed = transactionNeed("003_x.sql", [at(2), at(4, CIC)]);
  const plain = transactionNeed("003_x.sql", [at(2)]);
  const none = transactionNeed("003_x.sql", []);

  it("a plain script runs in a transaction where the dialect and mode give one", () => {
    expect(stepTransaction(true, "each", undefined, plain)).toEqual({ inTransaction: true, outside: null, automatic: null });
    expect(stepTransaction(true, "all", undefined, plain)).toEqual({ inTransaction: true, outside: null, automatic: null });
    expect(stepTransaction(true, "each", undefined, none)).toEqual({ inTransaction: true, outside: null, automatic: null });
  });

  it("no transaction where the dialect or the mode gives none, and no reason to give", () => {
    expect(stepTransaction(false, "each", undefined, outside)).toEqual({ inTransaction: false, outside: null, automatic: null });
    expect(stepTransaction(true, "none", undefined, outside)).toEqual({ inTransaction: false, outside: null, automatic: null });
  });

  it("declared off: outside, as declared, whatever the statements", () => {
    expect(stepTransaction(true, "each", false, plain)).toEqual({ inTransaction: false, outside: "stratum:transaction off", automatic: null });
    expect(stepTransaction(true, "each", false, mixed)).toEqual({ inTransaction: false, outside: "stratum:transaction off", automatic: null });
  });

  it("nothing declared and every statement must run outside: outside, automatically", () => {
    const automatic = "automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4";
    expect(stepTransaction(true, "each", undefined, outside)).toEqual({ inTransaction: false, outside: automatic, automatic });
    expect(stepTransaction(true, "all", undefined, outside)).toEqual({ inTransaction: false, outside: automatic, automatic });
  });

  it("a mix, or `transaction on` declared, stays in a transaction (and is refused before the run)", () => {
    expect(stepTransaction(true, "each", undefined, mixed).inTransaction).toBe(true);
    expect(stepTransaction(true, "each", true, outside).inTransaction).toBe(true);
  });
});

describe("outsideTransactionRefusal", () => {
  const single = { single: true, rehearse: false };
  it("refuses an automatic outside migration in one transaction, naming why", () => {
    const refusal = outsideTransactionRefusal(single, [
      { id: "001_a", outside: null },
      { id: "003_x", outside: "automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4" },
    ]);
    expect(refusal?.message).toBe(
      "migration 003_x runs outside a transaction (automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4), so the run cannot be one transaction",
    );
    expect(refusal?.code).toBe("USAGE");
  });

  it("a run that is neither one transaction nor a rehearsal refuses nothing", () => {
    expect(outsideTransactionRefusal({ single: false, rehearse: false }, [{ id: "003_x", outside: "stratum:transaction off" }])).toBeNull();
  });
});

describe("mixedTransactionProblem", () => {
  const migration = { id: "003_x", version: "003", files: ["003_x.sql"] } as unknown as MigrationFile;
  const pair = { id: "003_x", version: "003", files: ["003_x.up.sql", "003_x.down.sql"] } as unknown as MigrationFile;
  const need = { kind: "mixed", outside: [{ location: "003_x.sql:4", reason: CIC }], inside: ["003_x.sql:2", "003_x.sql:6"] } as const;

  it("names each statement of each kind, and both ways out", () => {
    const problem = mixedTransactionProblem(migration, "up", need);
    expect(problem.code).toBe("TRANSACTION_MIXED");
    expect(problem.severity).toBe("error");
    expect(problem.files).toEqual(["003_x.sql:4", "003_x.sql:2", "003_x.sql:6"]);
    expect(problem.message).toBe(
      "migration 003_x mixes statements that cannot run inside a transaction (CREATE INDEX CONCURRENTLY at 003_x.sql:4) with statements that can (003_x.sql:2, 003_x.sql:6), so it cannot run in one transaction, and Stratum runs it outside one only when told to",
    );
    expect(problem.fix).toContain("split it");
    expect(problem.fix).toContain("add `-- stratum:transaction off` to the top of the file");
    expect(problem.versions).toEqual(["003"]);
  });

  it("for the down of a single file, points at the down's marker (the header would take the up out of its transaction too)", () => {
    const problem = mixedTransactionProblem(migration, "down", need);
    expect(problem.fix).toContain("or write the down's marker as `-- migrate:down transaction:false` to run all of the down without a transaction");
  });

  it("for the down of an up/down pair, points at the down file", () => {
    const problem = mixedTransactionProblem(pair, "down", need);
    expect(problem.message).toMatch(/^the down of migration 003_x mixes /);
    expect(problem.fix).toContain("add `-- stratum:transaction off` to the top of 003_x.down.sql to run all of the down without a transaction");
  });
});
