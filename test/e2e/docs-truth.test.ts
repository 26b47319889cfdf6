import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/**
 * The documentation says what the built CLI does (issue 10 acceptance): every command's options as
 * `stratum <command> --help` prints them are the options docs/cli.md documents for it — none
 * missing, none invented — each with an example; the common options likewise; the README's command
 * table names every command; docs/errors.md has a section for every problem code; docs/api.md
 * names every value the package exports.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const CLI_DOC = read("docs/cli.md");

/** The long option names listed under `heading` in a commander help text (`--help` excluded). */
function helpOptions(help: string, heading: string): string[] {
  const lines = help.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "" || !line.startsWith(" ")) break;
    const match = /^\s{2}(?:-\w, )?(--[a-z][a-z-]*)/.exec(line);
    if (match?.[1] !== undefined && match[1] !== "--help") names.push(match[1]);
  }
  return names.sort();
}

/** docs/cli.md from `### <command>` to the next heading or rule. */
function docSection(command: string): string {
  const start = CLI_DOC.indexOf(`\n### ${command}\n`);
  expect(start, `docs/cli.md has no "### ${command}" section`).toBeGreaterThanOrEqual(0);
  const rest = CLI_DOC.slice(start + 1);
  const end = rest.slice(4).search(/\n(### |## |---\n)/);
  return end < 0 ? rest : rest.slice(0, end + 4);
}

/** The options a docs table documents: rows starting with `--name` (or `-x`, `--name`). */
function documentedOptions(section: string): string[] {
  const names = new Set<string>();
  for (const line of section.split("\n")) {
    const match = /^\| `(?:-\w`, `)?(--[a-z][a-z-]*)/.exec(line);
    if (match?.[1] !== undefined && match[1] !== "--help") names.add(match[1]);
  }
  return [...names].sort();
}

/** `$ stratum …` example lines in a section. */
function exampleLines(section: string): string[] {
  return section.split("\n").filter((line) => /^\$ stratum\b/.test(line));
}

function hasExample(examples: readonly string[], option: string): boolean {
  const pattern = new RegExp(`\\s${option.replace(/-/g, "\\-")}(?![a-z-])`);
  return examples.some((line) => pattern.test(line));
}

let topHelp = "";
let commands: string[] = [];
const commandHelp = new Map<string, string>();

beforeAll(async () => {
  const cwd = tmpdir();
  const top = await runCli(["--help"], { cwd });
  expect(top.code).toBe(0);
  topHelp = top.stdout;
  const lines = topHelp.split("\n");
  const start = lines.findIndex((line) => line.trim() === "Commands:");
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(" ")) break;
    const match = /^\s{2}([a-z]+)\b/.exec(line);
    if (match?.[1] !== undefined && match[1] !== "help") commands.push(match[1]);
  }
  commands = commands.sort();
  for (const command of commands) {
    const result = await runCli([command, "--help"], { cwd });
    expect(result.code, `${command} --help`).toBe(0);
    commandHelp.set(command, result.stdout);
  }
}, 120_000);

describe("docs/cli.md and the README tell the truth about the built CLI", () => {
  it("documents exactly the commands the CLI has, and the README's command table lists each", () => {
    expect(commands.length).toBeGreaterThan(10);
    const documented = [...CLI_DOC.matchAll(/^### ([a-z]+)$/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(commands);
    const readme = read("README.md");
    const tabled = [...readme.matchAll(/^\| `([a-z]+)\b[^`]*` \|/gm)].map((m) => m[1]).sort();
    expect(tabled).toEqual(commands);
  });

  it("documents each command's own options — none missing, none that do not exist — each with an example", () => {
    const wrong: string[] = [];
    for (const command of commands) {
      const help = commandHelp.get(command) ?? "";
      const actual = helpOptions(help, "Options:");
      const section = docSection(command);
      const documented = documentedOptions(section);
      for (const option of actual) if (!documented.includes(option)) wrong.push(`${command} ${option}: not in docs/cli.md`);
      for (const option of documented) if (!actual.includes(option)) wrong.push(`${command} ${option}: documented, but the CLI has no such option`);
      const examples = exampleLines(section);
      for (const option of actual) if (!hasExample(examples, option)) wrong.push(`${command} ${option}: no \`$ stratum ${command} … ${option}\` example`);
    }
    expect(wrong).toEqual([]);
  });

  it("documents exactly the common options, each with an example, and every command accepts them", () => {
    const start = CLI_DOC.indexOf("\n## Common options\n");
    const section = CLI_DOC.slice(start, CLI_DOC.indexOf("\n---\n", start));
    const documented = documentedOptions(section);
    expect(documented).toEqual(helpOptions(topHelp, "Options:"));
    const withoutExample = section
      .split("\n")
      .filter((line) => /^\| `-/.test(line))
      .filter((line) => (line.split("|")[2] ?? "").trim() === "");
    expect(withoutExample).toEqual([]);
    for (const command of commands) {
      const common = helpOptions(commandHelp.get(command) ?? "", "Common options:");
      expect(common, `${command} --help`).toEqual(documented.filter((o) => o !== "--version"));
    }
  });

  it("the help's one-line descriptions of --url, --config and --env say what docs/cli.md says", () => {
    const flat = topHelp.replace(/\n\s+(?=[^\s-])/g, " ");
    expect(flat).toContain("database URL (else STRATUM_URL, DATABASE_URL, the config, sqlite:./stratum.db)");
    expect(flat).toContain("stratum.config.{ts,mts,cts,js,mjs,cjs,json}");
    expect(flat).toContain("(default STRATUM_ENV, NODE_ENV, else development)");
    expect(CLI_DOC).toContain("(else `STRATUM_URL`, `DATABASE_URL`, the config, `sqlite:./stratum.db`)");
    expect(CLI_DOC).toContain("`stratum.config.{ts,mts,cts,js,mjs,cjs,json}`");
    expect(CLI_DOC).toContain("(default `STRATUM_ENV`, `NODE_ENV`, else `development`)");
  });
});

describe("docs/errors.md and docs/api.md", () => {
  it("docs/errors.md has a section for every problem code and every error code", () => {
    const union = (file: string, type: string) => {
      const body = new RegExp(`export type ${type} =([^;]+);`).exec(read(file))?.[1] ?? "";
      return [...body.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1] ?? "");
    };
    const problemCodes = union("src/core/types.ts", "ProblemCode");
    const errorCodes = union("src/core/errors.ts", "ErrorCode");
    expect(problemCodes.length).toBeGreaterThan(10);
    expect(errorCodes.length).toBeGreaterThan(10);
    const codes = [...problemCodes, ...errorCodes];
    const errors = read("docs/errors.md");
    const missing = codes.filter((code) => !new RegExp(`^#{2,4} \`?${code}\`?\\s*$`, "m").test(errors));
    expect(missing).toEqual([]);
  });

  it("docs/api.md names every value stratumdb and stratumdb/testing export", async () => {
    const api = read("docs/api.md");
    const main = (await import("../../src/index.js")) as Record<string, unknown>;
    const testing = (await import("../../src/testing/index.js")) as Record<string, unknown>;
    const undocumented = [...Object.keys(main), ...Object.keys(testing)].filter((name) => !api.includes(`\`${name}`));
    expect(undocumented).toEqual([]);
    // And the other way: every class in the Errors table and every value in "Other exports" exists.
    const section = (heading: string) => {
      const start = api.indexOf(`\n## ${heading}\n`);
      expect(start, heading).toBeGreaterThanOrEqual(0);
      const end = api.indexOf("\n## ", start + 1);
      return api.slice(start, end < 0 ? undefined : end);
    };
    const listed = [section("Errors"), section("Other exports")]
      .flatMap((text) => [...text.matchAll(/^\| `([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1] ?? ""))
      .flatMap((name) => (name === "describeProblem" ? [name, "summariseProblems"] : [name]));
    expect(listed).toEqual(expect.arrayContaining(["StratumError", "ValidationError", "EXIT", "defineConfig", "describeProblem"]));
    const invented = listed.filter((name) => !(name in main));
    expect(invented).toEqual([]);
  });
});
