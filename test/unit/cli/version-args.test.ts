// Version arguments in parts (a Flyway project's `1.1`, `2024.01.05.1`, `1_1`) reach the library as
// written; a malformed one is one sentence, exit 2, and nothing runs.

import { describe, expect, it } from "vitest";
import { parseVersion } from "../../../src/cli/options.js";
import { runCli } from "./cli-harness.js";

describe("version arguments in parts", () => {
  it.each(["1.1", "2024.01.05.1", "1_1", "1.1_add_users", "1.1__add_users", "01.10"])("parseVersion accepts %j", (input) => {
    expect(parseVersion("--to", input)).toBe(input);
  });

  it.each(["1.", ".1", "1..1", "1.a", "v1.1", "1.1.", "1,1"])("parseVersion rejects %j in one sentence", (input) => {
    expect(() => parseVersion("--to", input)).toThrow(`--to expects a version such as 003, 1.1 or 003_add_orders, got "${input}"`);
  });

  it.each([
    { argv: ["down", "--to", "1.1"], call: "down", expected: [{ to: "1.1" }] },
    { argv: ["down", "1.10", "2024.01.05.1"], call: "down", expected: [{ versions: ["1.10", "2024.01.05.1"] }] },
    { argv: ["up", "--to", "2024.01.05.1"], call: "up", expected: [{ to: "2024.01.05.1" }] },
    { argv: ["baseline", "2024.01.05.1"], call: "baseline", expected: ["2024.01.05.1"] },
    { argv: ["resolve", "1.1", "--applied"], call: "resolve", expected: [["1.1", "applied"]] },
  ] as const)("$argv reaches the library as written", async ({ argv, call, expected }) => {
    const result = await runCli([...argv]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.calls[call]).toEqual(expected);
  });

  it.each([
    { argv: ["down", "--to", "1..1"], name: "--to" },
    { argv: ["baseline", "1.1."], name: "baseline" },
    { argv: ["resolve", "v1.1", "--applied"], name: "resolve" },
  ])("$argv is refused before anything runs", async ({ argv, name }) => {
    const result = await runCli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${name} expects a version such as 003, 1.1 or 003_add_orders, got "${argv.find((a) => /\d/.test(a)) ?? ""}"\n`);
    expect(result.calls.down).toEqual([]);
    expect(result.calls.baseline).toEqual([]);
    expect(result.calls.resolve).toEqual([]);
  });
});
