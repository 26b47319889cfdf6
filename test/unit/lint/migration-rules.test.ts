// The migration-level rules (hygiene, a down that drops what its up did not create), the
// existing-table rule across migrations of one run, and lint-ignore suppressions.

import { beforeAll, describe, expect, it } from "vitest";
import { lintTexts, loadAll } from "./harness.js";

beforeAll(loadAll);

const rules = (r: ReturnType<typeof lintTexts>): string[] => r.findings.map((f) => `${f.rule}@${f.location}`);

describe("hygiene", () => {
  it("an up that only creates, without a down, is missing-down at its first statement", () => {
    expect(rules(lintTexts("lite", ["-- a comment\n\nCREATE TABLE a (id INTEGER);\nCREATE INDEX a_id ON a (id);\n"]))).toEqual(["missing-down@001_x.sql:3"]);
  });
  it("an irreversible migration, or one with a down, is not missing-down", () => {
    expect(rules(lintTexts("lite", ["-- stratum:irreversible\nCREATE TABLE a (id INTEGER);\n"]))).toEqual([]);
    expect(rules(lintTexts("lite", ["-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n"]))).toEqual([]);
  });
  it("a transaction off migration with several statements", () => {
    const text = "-- stratum:transaction off\n-- migrate:up\nCREATE INDEX CONCURRENTLY a ON t (a);\nCREATE INDEX CONCURRENTLY b ON t (b);\n-- migrate:down\nSELECT 1;\n";
    expect(rules(lintTexts("pg", [text]))).toEqual(["transaction-off-multi-statement@001_x.sql:3"]);
  });
  it("a transaction off migration with one statement is fine", () => {
    expect(rules(lintTexts("pg", ["-- stratum:transaction off\n-- migrate:up\nCREATE INDEX CONCURRENTLY a ON t (a);\n-- migrate:down\nSELECT 1;\n"]))).toEqual([]);
  });
  it("a down that drops a table its up did not create", () => {
    const text = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\nDROP TABLE users;\n";
    expect(rules(lintTexts("pg", [text]))).toEqual(["down-drops-uncreated@001_x.sql:5"]);
  });
});

describe("existing tables across a run", () => {
  it("a table an earlier pending migration created is new: its index needs no CONCURRENTLY", () => {
    const first = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n";
    const second = "-- migrate:up\nCREATE INDEX a_id ON a (id);\n-- migrate:down\nDROP INDEX a_id;\n";
    expect(rules(lintTexts("pg", [first, second]))).toEqual([]);
    expect(rules(lintTexts("pg", [second]))).toEqual(["add-index-not-concurrently@001_x.sql:2"]);
  });
  it("a configured lock timeout answers require-lock-timeout", () => {
    const text = "-- migrate:up\nALTER TABLE users ADD COLUMN bio text;\n-- migrate:down\nSELECT 1;\n";
    expect(rules(lintTexts("pg", [text]))).toEqual(["require-lock-timeout@001_x.sql:2"]);
    expect(rules(lintTexts("pg", [text], { lockTimeoutConfigured: true, transactions: true }))).toEqual([]);
  });
});

describe("lint-ignore", () => {
  const up = (ignore: string): string => `-- migrate:up\nSET lock_timeout = '1s';\n${ignore}\nDROP TABLE users;\nDELETE FROM t;\n-- migrate:down\nSELECT 1;\n`;
  it("on the line before a statement silences that rule there, and lists the reason", () => {
    const r = lintTexts("pg", [up("-- stratum:lint-ignore drop-table replaced by accounts in 0041")]);
    expect(rules(r)).toEqual(["delete-without-where@001_x.sql:5"]);
    expect(r.suppressed).toEqual([{ rule: "drop-table", location: "001_x.sql:4", version: "001", reason: "replaced by accounts in 0041", ignoredAt: "001_x.sql:3" }]);
  });
  it("after SQL on the statement's own line silences that statement", () => {
    const text = "-- migrate:up\nSET lock_timeout = '1s';\nDROP TABLE users; -- stratum:lint-ignore drop-table merged into accounts\nDROP TABLE orders;\n-- migrate:down\nSELECT 1;\n";
    const r = lintTexts("pg", [text]);
    expect(rules(r)).toEqual(["drop-table@001_x.sql:4"]);
    expect(r.suppressed.map((s) => `${s.location} ${s.reason}`)).toEqual(["001_x.sql:3 merged into accounts"]);
  });
  it("does not reach a later statement", () => {
    const r = lintTexts("pg", [up("-- stratum:lint-ignore delete-without-where the table is a cache")]);
    expect(rules(r)).toEqual(["drop-table@001_x.sql:4", "delete-without-where@001_x.sql:5"]);
  });
  it("in the header silences the rule in the whole migration", () => {
    const text = "-- stratum:lint-ignore drop-table legacy tables go\n" + up("").replace("DELETE FROM t;\n", "DROP TABLE orders;\n");
    const r = lintTexts("pg", [text]);
    expect(rules(r)).toEqual([]);
    expect(r.suppressed.map((s) => `${s.location} ${s.ignoredAt}`)).toEqual(["001_x.sql:5 001_x.sql:1", "001_x.sql:6 001_x.sql:1"]);
  });
  it("without a reason, or with an unknown rule, is itself an error at its line and silences nothing", () => {
    const noReason = lintTexts("pg", [up("-- stratum:lint-ignore drop-table")]);
    expect(rules(noReason)).toEqual(["lint-ignore-invalid@001_x.sql:3", "drop-table@001_x.sql:4", "delete-without-where@001_x.sql:5"]);
    expect(noReason.findings[0]?.message).toContain("gives no reason for ignoring drop-table");
    const unknown = lintTexts("pg", [up("-- stratum:lint-ignore drop-tables because")]);
    expect(unknown.findings[0]?.message).toContain('names the unknown rule "drop-tables"');
    expect(unknown.findings[0]?.severity).toBe("error");
  });
  it("a rule of another dialect is unknown", () => {
    const r = lintTexts("lite", ["-- migrate:up\n-- stratum:lint-ignore vacuum-full no\nDELETE FROM t;\n-- migrate:down\nSELECT 1;\n"]);
    expect(rules(r)).toEqual(["lint-ignore-invalid@001_x.sql:2", "delete-without-where@001_x.sql:3"]);
  });
});

describe("docs/lint.md", () => {
  it("has a section for every rule of every dialect", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(new URL("../../../docs/lint.md", import.meta.url), "utf8");
    const { DIALECTS } = await import("./harness.js");
    const ids = new Set(Object.values(DIALECTS).flatMap((d) => [...(d.lint?.ruleIds ?? [])]));
    expect(ids.size).toBeGreaterThan(30);
    for (const id of ids) expect(doc, id).toContain(`\n### ${id}\n`);
  });
});
