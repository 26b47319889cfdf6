import { afterEach, describe, expect, it } from "vitest";
import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";
import { ConfigError } from "../../../src/core/errors.js";
import {
  decideRun,
  defaultMode,
  outsideTransactionRefusal,
  workersFor,
  type RunCapabilities,
  type RunDecision,
  type RunPolicySettings,
  type RunRequest,
} from "../../../src/core/run-policy.js";

const postgres: RunCapabilities = { name: "postgres", transactionalDdl: true, concurrentConnections: true };
const mysql: RunCapabilities = { name: "mysql", transactionalDdl: false, concurrentConnections: true };
const sqlite: RunCapabilities = { name: "sqlite", transactionalDdl: true, concurrentConnections: false };
const each: RunPolicySettings = { transaction: "each", ordering: "linear" };
const all: RunPolicySettings = { transaction: "all", ordering: "linear" };
const none: RunPolicySettings = { transaction: "none", ordering: "linear" };

describe("defaultMode", () => {
  it.each([
    ["each", "each"],
    ["all", "all"],
    ["none", "none"],
  ] as const)("transaction %s → %s", (transaction, mode) => {
    expect(defaultMode(transaction)).toBe(mode);
  });
});

describe("decideRun", () => {
  const cases: [string, RunPolicySettings, RunRequest, RunCapabilities, RunDecision][] = [
    ["a plain up", each, { direction: "up" }, postgres, { kind: "run", mode: "each", checkMode: "each", single: false, rehearse: false }],
    ["up with transactions off", none, { direction: "up" }, postgres, { kind: "run", mode: "none", checkMode: "none", single: false, rehearse: false }],
    ["up with transaction all", all, { direction: "up" }, postgres, { kind: "run", mode: "all", checkMode: "all", single: true, rehearse: false }],
    ["up --single-transaction", each, { direction: "up", singleTransaction: true }, sqlite, { kind: "run", mode: "all", checkMode: "all", single: true, rehearse: false }],
    ["up rehearsed", none, { direction: "up", dryRun: "rehearse" }, postgres, { kind: "run", mode: "all", checkMode: "all", single: false, rehearse: true }],
    ["up dry run", each, { direction: "up", dryRun: true }, mysql, { kind: "dry-run", mode: "each", warning: null }],
    ["up dry run, single transaction", each, { direction: "up", dryRun: true, singleTransaction: true }, mysql, { kind: "dry-run", mode: "all", warning: null }],
    [
      "up rehearsed where DDL commits implicitly",
      each,
      { direction: "up", dryRun: "rehearse", singleTransaction: true },
      mysql,
      { kind: "dry-run", mode: "each", warning: "mysql commits DDL implicitly, so a rehearsal cannot be rolled back; showing the plain dry run instead" },
    ],
    ["a plain down", each, { direction: "down" }, postgres, { kind: "run", mode: "each", checkMode: "each", single: false, rehearse: false }],
    ["down with transaction all runs each, checks all", all, { direction: "down" }, mysql, { kind: "run", mode: "each", checkMode: "all", single: false, rehearse: false }],
    ["down with transactions off", none, { direction: "down" }, postgres, { kind: "run", mode: "none", checkMode: "none", single: false, rehearse: false }],
    ["down dry run", all, { direction: "down", dryRun: true }, postgres, { kind: "dry-run", mode: "all", warning: null }],
  ];
  it.each(cases)("%s", (_title, policy, request, dialect, expected) => {
    expect(decideRun(policy, request, dialect)).toEqual(expected);
  });

  it.each([
    ["--single-transaction", each, { direction: "up", singleTransaction: true }],
    ["transaction all", all, { direction: "up" }],
  ] as const)("refuses a single transaction (%s) where DDL commits implicitly", (_title, policy, request) => {
    let error: unknown;
    try {
      decideRun(policy, request, mysql);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("USAGE");
    expect((error as Error).message).toBe("mysql commits DDL implicitly, so the singleTransaction option cannot be honoured");
  });
});

describe("outsideTransactionRefusal", () => {
  const on = { id: "001_a", outside: null };
  const off = { id: "002_b", outside: "stratum:transaction off" };
  it.each([
    ["a plain run", { single: false, rehearse: false }, [on, off], null],
    ["a single transaction, all inside", { single: true, rehearse: false }, [on], null],
    ["a single transaction", { single: true, rehearse: false }, [on, off], "migration 002_b runs outside a transaction (stratum:transaction off), so the run cannot be one transaction"],
    ["a rehearsal", { single: false, rehearse: true }, [off], "migration 002_b runs outside a transaction (stratum:transaction off), so the run cannot be rehearsed"],
  ] as const)("%s", (_title, decision, migrations, message) => {
    const refusal = outsideTransactionRefusal(decision, migrations);
    expect(refusal?.message ?? null).toBe(message);
    if (refusal !== null) expect(refusal.code).toBe("USAGE");
  });
});

describe("workersFor", () => {
  const graph: RunPolicySettings = { transaction: "each", ordering: "graph" };
  it.each([
    ["one requested", graph, "each", 1, 5, postgres, 1, null],
    ["one planned", graph, "each", 4, 1, postgres, 1, null],
    ["graph ordering, enough steps", graph, "each", 4, 10, postgres, 4, null],
    ["capped at the steps planned", graph, "each", 8, 3, postgres, 3, null],
    ["a dialect with one connection", graph, "each", 4, 10, sqlite, 1, "parallel: 4 ignored: sqlite runs migrations one at a time"],
    ["one transaction", graph, "all", 4, 10, postgres, 1, "parallel: 4 ignored: a run in one transaction (or with transactions off) runs serially"],
    ["transactions off", graph, "none", 2, 10, postgres, 1, "parallel: 2 ignored: a run in one transaction (or with transactions off) runs serially"],
    [
      "linear ordering",
      each,
      "each",
      3,
      10,
      postgres,
      1,
      "parallel: 3 ignored: linear ordering runs each migration after the previous one; use ordering: \"graph\" to run independent migrations in parallel",
    ],
  ] as const)("%s", (_title, policy, mode, requested, planned, dialect, workers, warning) => {
    expect(workersFor(policy, mode, requested, planned, dialect)).toEqual({ workers, warning });
  });
});

describe("the words for settings: the library names options, the CLI installs its flags", () => {
  const graph: RunPolicySettings = { transaction: "each", ordering: "graph" };
  afterEach(() => useVocabulary(optionVocabulary));
  it("names the option for a library user and the flag once the CLI's vocabulary is installed", () => {
    const library = workersFor(each, "each", 3, 10, postgres).warning;
    useVocabulary(cliVocabulary);
    const cli = workersFor(each, "each", 3, 10, postgres).warning;
    expect(library).toBe('parallel: 3 ignored: linear ordering runs each migration after the previous one; use ordering: "graph" to run independent migrations in parallel');
    expect(cli).toBe("--parallel 3 ignored: linear ordering runs each migration after the previous one; use --ordering graph to run independent migrations in parallel");
    expect(workersFor(graph, "all", 4, 10, postgres).warning).toBe("--parallel 4 ignored: a run in one transaction (or with transactions off) runs serially");
    expect(() => decideRun(all, { direction: "up" }, mysql)).toThrow("mysql commits DDL implicitly, so --single-transaction cannot be honoured");
  });
});
