// The reconciliation of static findings with measurements (core/lint/measured.ts): contradicted
// findings dropped with the reason, unpredicted effects reported as measured-* findings.

import { describe, expect, it } from "vitest";
import { reconcile, type StatementMeasurement } from "../../../src/core/lint/measured.js";
import type { LintFinding } from "../../../src/core/lint/types.js";

const finding = (rule: string, line: number): LintFinding => ({
  rule, severity: "error", location: `002_x.sql:${line}`, file: "002_x.sql", line, version: "002", message: "m", fix: "f",
});
const measured = (line: number, effect: Partial<StatementMeasurement>): StatementMeasurement => ({
  location: `002_x.sql:${line}`, file: "002_x.sql", line, version: "002", statement: "s", existing: ["users"], tables: ["users"], durationMs: 1, summary: "", ...effect,
});
const PG = { rewriteWord: "rewrite", lockTimeoutConfigured: false };

describe("reconcile", () => {
  it("drops a rewrite finding when no table was rewritten, and keeps it when one was", () => {
    const out = reconcile([finding("alter-column-type-rewrite", 2), finding("alter-column-type-rewrite", 3)], [], [measured(2, { rewritten: [], locks: [] }), measured(3, { rewritten: ["users"], locks: [] })], PG);
    expect(out.findings.map((f) => f.line)).toEqual([3]);
    expect(out.dropped).toEqual([{ finding: finding("alter-column-type-rewrite", 2), reason: "the shadow showed no table rewritten" }]);
  });
  it("keeps a finding whose statement failed on the shadow", () => {
    const out = reconcile([finding("alter-column-type-rewrite", 2)], [], [measured(2, { error: "boom", rewritten: [] })], PG);
    expect(out.dropped).toEqual([]);
  });
  it("reports an unpredicted rewrite and ACCESS EXCLUSIVE lock on an existing table", () => {
    const out = reconcile([], [], [measured(2, { rewritten: ["users"], locks: [{ relation: "users", modes: ["AccessExclusiveLock"] }], lockTimeout: "0" })], PG);
    expect(out.findings.map((f) => f.rule)).toEqual(["measured-rewrite", "measured-access-exclusive"]);
  });
  it("says nothing of a new table, nor of a lock taken under a lock_timeout", () => {
    const out = reconcile([], [], [measured(2, { existing: [], rewritten: ["users"] }), measured(3, { locks: [{ relation: "users", modes: ["AccessExclusiveLock"] }], lockTimeout: "5s" })], PG);
    expect(out.findings).toEqual([]);
  });
  it("MySQL: drops alter-algorithm-copy when INPLACE was accepted, reports an unpredicted COPY, leaves stated clauses alone", () => {
    const my = { rewriteWord: "copy", lockTimeoutConfigured: false };
    const out = reconcile(
      [finding("alter-algorithm-copy", 2), finding("index-build-blocks-writes", 4)],
      [],
      [measured(2, { algorithm: { algorithm: "INPLACE", lock: "NONE", stated: false } }), measured(3, { algorithm: { algorithm: "COPY", lock: "SHARED", stated: false } }), measured(4, { algorithm: { algorithm: "DEFAULT", lock: "NONE", stated: true } })],
      my,
    );
    expect(out.dropped.map((d) => d.reason)).toEqual(["the server accepted ALGORITHM=INPLACE, LOCK=NONE"]);
    expect(out.findings.map((f) => `${f.rule}:${f.line}`)).toEqual(["measured-copy:3", "index-build-blocks-writes:4"]);
  });
  it("SQLite: an unpredicted rebuild is a measured-rebuild warning", () => {
    const out = reconcile([], [], [measured(5, { rewritten: ["users"] })], { rewriteWord: "rebuild", lockTimeoutConfigured: false });
    expect(out.findings.map((f) => [f.rule, f.severity])).toEqual([["measured-rebuild", "warning"]]);
  });
});
