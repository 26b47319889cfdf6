// The rules, table-driven: each risky statement is flagged by the intended rule at its line; each
// safe look-alike gives no finding.

import { beforeAll, describe, expect, it } from "vitest";
import { RISKY, SAFE } from "./cases.js";
import { lintTexts, loadAll } from "./harness.js";

beforeAll(loadAll);

/** The up text (after `-- migrate:up` on line 1) and the line of the statement marked `>`. */
function build(lines: readonly string[]): { text: string; line: number } {
  const body = lines.map((l) => l.replace(/^> /, ""));
  const marked = lines.findIndex((l) => l.startsWith("> "));
  const header = body[0]?.startsWith("-- stratum:") === true ? [body.shift() as string] : [];
  // with or without a header line, the marked statement ends up `marked + 2` lines down
  return { text: [...header, "-- migrate:up", ...body, "-- migrate:down", "SELECT 1;", ""].join("\n"), line: marked + 2 };
}

describe("risky statements", () => {
  it("the suite holds at least 60 cases across the three dialects", () => {
    expect(RISKY.length).toBeGreaterThanOrEqual(60);
    expect(new Set(RISKY.map(([d]) => d)).size).toBe(3);
  });
  it.each(RISKY.map((c, i) => [i, ...c] as const))("#%i %s %s", (_i, dialect, rule, lines) => {
    const { text, line } = build(lines);
    const { findings } = lintTexts(dialect, [text]);
    const hits = findings.filter((f) => f.rule === rule);
    expect(hits.map((f) => f.location)).toContain(`001_x.sql:${line}`);
    expect(hits.every((f) => f.line === line)).toBe(true);
  });
});

describe("safe look-alikes", () => {
  it("the suite holds at least 60 cases across the three dialects", () => {
    expect(SAFE.length).toBeGreaterThanOrEqual(60);
    expect(new Set(SAFE.map(([d]) => d)).size).toBe(3);
  });
  it.each(SAFE.map((c) => [...c] as const))("%s: %s", (dialect, _label, lines) => {
    const { text } = build(lines);
    expect(lintTexts(dialect, [text]).findings).toEqual([]);
  });
});
