import { describe, expect, it } from "vitest";
import {
  parseDownOptions,
  parseDuration,
  parseGlobalOptions,
  parsePlanOptions,
  parsePositiveInteger,
  parseUpOptions,
  parseVersion,
} from "../../../src/cli/options.js";
import { runCli } from "./cli-harness.js";

describe("bad command lines exit 2 with one sentence", () => {
  const cases: readonly { argv: string[]; stderr: string }[] = [
    { argv: ["up", "--step", "abc"], stderr: 'error: --step expects a positive integer, got "abc"\n' },
    { argv: ["up", "--step", "0"], stderr: 'error: --step expects a positive integer, got "0"\n' },
    { argv: ["up", "--step", "1.5"], stderr: 'error: --step expects a positive integer, got "1.5"\n' },
    { argv: ["up", "--parallel", "-2"], stderr: 'error: --parallel expects a positive integer, got "-2"\n' },
    { argv: ["history", "--limit", "ten"], stderr: 'error: --limit expects a positive integer, got "ten"\n' },
    { argv: ["down", "--to", "3", "--step", "2"], stderr: "error: --to and --step cannot be used together\n" },
    { argv: ["down", "--batch", "--all"], stderr: "error: --batch and --all cannot be used together\n" },
    { argv: ["down", "004", "--all"], stderr: "error: version arguments and --all cannot be used together\n" },
    { argv: ["up", "--to", "5", "--step", "1"], stderr: "error: --to and --step cannot be used together\n" },
    { argv: ["resolve", "7", "--applied", "--rolled-back"], stderr: "error: --applied and --rolled-back cannot be used together\n" },
    {
      argv: ["resolve", "7"],
      stderr: "error: resolve needs --applied or --rolled-back to say what happened to the migration\n",
    },
    { argv: ["resolve", "latest", "--applied"], stderr: 'error: resolve expects a version such as 003, 1.1 or 003_add_orders, got "latest"\n' },
    { argv: ["up", "--dry-run=bogus"], stderr: 'error: --dry-run accepts no value or "rehearse", got "bogus"\n' },
    { argv: ["up", "--lock-timeout", "10x"], stderr: 'error: --lock-timeout expects a duration such as 5000 (ms), 10s or 2m, got "10x"\n' },
    { argv: ["up", "--ordering", "tree"], stderr: 'error: --ordering expects linear or graph, got "tree"\n' },
    { argv: ["up", "--to", "abc"], stderr: 'error: --to expects a version such as 003, 1.1 or 003_add_orders, got "abc"\n' },
    { argv: ["create", "x", "--sql", "--ts"], stderr: "error: --sql and --ts cannot be used together\n" },
    { argv: ["status", "--quiet", "--verbose"], stderr: "error: --quiet and --verbose cannot be used together\n" },
    { argv: ["plan", "--batch"], stderr: "error: --batch only applies to a rollback plan\nfix: add --down\n" },
    { argv: ["stauts"], stderr: 'error: unknown command "stauts" (did you mean one of stats, status?)\n' },
    { argv: ["upp"], stderr: 'error: unknown command "upp" (did you mean up?)\n' },
    { argv: ["frobnicate"], stderr: 'error: unknown command "frobnicate" (run "stratum --help" to list the commands)\n' },
    { argv: ["up", "--stpe", "2"], stderr: 'error: unknown option "--stpe" (did you mean --step?)\n' },
    { argv: ["status", "extra"], stderr: "error: too many arguments for status: expected 0, got 1\n" },
    { argv: ["up", "--to"], stderr: "error: --to <version> needs a value\n" },
    { argv: ["create"], stderr: "error: missing the argument <name>\n" },
  ];
  it.each(cases)("$argv", async ({ argv, stderr }) => {
    const result = await runCli(argv);
    expect(result.stderr).toBe(stderr);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.calls.up).toEqual([]);
    expect(result.calls.down).toEqual([]);
  });

  it("reports a usage error as JSON under --json", async () => {
    const result = await runCli(["up", "--json", "--step", "abc"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toEqual({
      type: "error",
      code: "USAGE",
      message: '--step expects a positive integer, got "abc"',
    });
  });

  it("prints the help and exits 2 when no command is given", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: stratum [options] [command]");
  });
});

describe("help and version", () => {
  it.each(["init", "create", "status", "plan", "up", "down", "redo", "validate", "history", "stats", "repair", "resolve", "baseline"])(
    "%s --help shows the options and an example, exit 0",
    async (command) => {
      const result = await runCli([command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: stratum ${command}`);
      expect(result.stdout).toContain("Common options:");
      expect(result.stdout).toContain("--lock-timeout <duration>");
      expect(result.stdout).toMatch(new RegExp(`Examples:\\n  \\$ stratum ${command}`));
      expect(result.stderr).toBe("");
    },
  );

  it("--version prints the package version", async () => {
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("does not mistake history --version for the program's version flag", async () => {
    const result = await runCli(["history", "--version", "5", "--limit", "3"]);
    expect(result.code).toBe(0);
    expect(result.calls.history).toEqual([{ version: "5", limit: 3 }]);
  });
});

describe("flags reach the library", () => {
  it("up: every option, and the settings that feed the configuration", async () => {
    const result = await runCli([
      "up",
      "--to",
      "005",
      "--dry-run=rehearse",
      "--single-transaction",
      "--parallel",
      "4",
      "--backup",
      "--allow-out-of-order",
      "--lock-timeout",
      "10s",
      "--url",
      "postgres://app@db/app",
      "--dir",
      "db/migrations",
      "--table",
      "t",
      "--log-table",
      "l",
      "--schema",
      "s",
      "--ordering",
      "graph",
      "--env",
      "staging",
      "--config",
      "conf.json",
    ]);
    expect(result.code).toBe(0);
    expect(result.calls.up).toEqual([
      { to: "005", dryRun: "rehearse", singleTransaction: true, parallel: 4, backup: true, allowOutOfOrder: true },
    ]);
    expect(result.calls.resolveConfig).toEqual([
      {
        cwd: "/project",
        configPath: "conf.json",
        envName: "staging",
        environment: {},
        flags: {
          url: "postgres://app@db/app",
          dir: "db/migrations",
          table: "t",
          logTable: "l",
          schema: "s",
          lockTimeout: 10_000,
          ordering: "graph",
          parallel: 4,
          allowOutOfOrder: true,
        },
      },
    ]);
    expect(result.calls.closed).toBe(1);
  });

  it.each([
    { argv: ["up", "--dry-run"], expected: { dryRun: true } },
    { argv: ["up", "--dry-run", "--to", "3"], expected: { dryRun: true, to: "3" } },
    { argv: ["up", "--step", "2"], expected: { step: 2 } },
    { argv: ["up"], expected: {} },
  ])("up $argv", async ({ argv, expected }) => {
    const result = await runCli(argv);
    expect(result.code).toBe(0);
    expect(result.calls.up).toEqual([expected]);
  });

  it.each([
    { argv: ["down"], expected: {} },
    { argv: ["down", "004", "006_add_x"], expected: { versions: ["004", "006_add_x"] } },
    { argv: ["down", "--to", "3", "--dry-run"], expected: { to: "3", dryRun: true } },
    { argv: ["down", "--step", "2"], expected: { step: 2 } },
    { argv: ["down", "--batch"], expected: { batch: true } },
    { argv: ["down", "--all"], expected: { all: true } },
  ])("down $argv", async ({ argv, expected }) => {
    const result = await runCli(argv);
    expect(result.code).toBe(0);
    expect(result.calls.down).toEqual([expected]);
  });

  it("passes the abort signal to up and down", async () => {
    const controller = new AbortController();
    const result = await runCli(["up"], {}, { signal: controller.signal });
    expect(result.calls.up[0]?.signal).toBe(controller.signal);
  });

  it("a flag after the command wins over the same flag before it", async () => {
    const result = await runCli(["--url", "sqlite:a.db", "--json", "status", "--url", "sqlite:b.db"]);
    expect(result.code).toBe(0);
    expect(result.calls.resolveConfig[0]?.flags.url).toBe("sqlite:b.db");
    expect(JSON.parse(result.stdout)).toEqual({ database: "sqlite:b.db", migrations: [], pending: 0, dirty: false });
  });

  it.each([
    { argv: ["plan"], expected: { direction: "up" } },
    { argv: ["plan", "--down", "--batch"], expected: { direction: "down", batch: true } },
    { argv: ["plan", "--to", "7"], expected: { direction: "up", to: "7" } },
    { argv: ["plan", "--down", "--step", "3"], expected: { direction: "down", step: 3 } },
  ])("plan $argv", async ({ argv, expected }) => {
    const result = await runCli(argv);
    expect(result.code).toBe(0);
    expect(result.calls.plan).toEqual([expected]);
  });

  it("resolve, baseline, repair", async () => {
    expect((await runCli(["resolve", "007", "--rolled-back"])).calls.resolve).toEqual([["007", "rolled-back"]]);
    expect((await runCli(["resolve", "007", "--applied"])).calls.resolve).toEqual([["007", "applied"]]);
    expect((await runCli(["baseline", "012"])).calls.baseline).toEqual(["012"]);
    expect((await runCli(["repair", "--remove-missing"])).calls.repair).toEqual([{ removeMissing: true }]);
    expect((await runCli(["repair"])).calls.repair).toEqual([{}]);
  });
});

describe("option parsers", () => {
  it.each([
    ["5000", 5000],
    ["250ms", 250],
    ["10s", 10_000],
    ["1.5s", 1500],
    ["2m", 120_000],
    [" 7 ", 7],
    // the config's grammar: hours, a space before the unit, any case
    ["10h", 36_000_000],
    ["3 s", 3000],
    ["10S", 10_000],
  ])("parseDuration(%j) = %d", (input, expected) => {
    expect(parseDuration("--lock-timeout", input)).toBe(expected);
  });

  it.each(["", "soon", "-1", "10d", "1e3", "s", "1.0001ms"])("parseDuration rejects %j", (input) => {
    expect(() => parseDuration("--lock-timeout", input)).toThrow(`--lock-timeout expects a duration such as 5000 (ms), 10s or 2m, got "${input}"`);
  });

  it.each([
    ["1", 1],
    ["42", 42],
  ])("parsePositiveInteger(%j) = %d", (input, expected) => {
    expect(parsePositiveInteger("--step", input)).toBe(expected);
  });

  it.each(["0", "-1", "1.0", "abc", "", "99999999999999999999"])("parsePositiveInteger rejects %j", (input) => {
    expect(() => parsePositiveInteger("--step", input)).toThrow(`--step expects a positive integer, got "${input}"`);
  });

  it.each(["003", "1", "20261121093000", "003_add_orders", "4_x-y"])("parseVersion accepts %j", (input) => {
    expect(parseVersion("--to", input)).toBe(input);
  });

  it.each(["abc", "_003", "003_", "3 4", "../003"])("parseVersion rejects %j", (input) => {
    expect(() => parseVersion("--to", input)).toThrow(/expects a version/);
  });

  it("usage errors carry exit code 2 and code USAGE", () => {
    try {
      parsePositiveInteger("--step", "x");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ exitCode: 2, code: "USAGE" });
    }
  });

  it("global options: verbosity, colour, json, yes", () => {
    expect(parseGlobalOptions({ color: true })).toMatchObject({ verbosity: "normal", color: true, json: false, yes: false });
    expect(parseGlobalOptions({ color: false, quiet: true, json: true, yes: true })).toMatchObject({
      verbosity: "quiet",
      color: false,
      json: true,
      yes: true,
    });
    expect(parseGlobalOptions({ verbose: true }).verbosity).toBe("verbose");
    expect(() => parseGlobalOptions({ url: " " })).toThrow('--url expects a value, got ""');
  });

  it("up/down/plan parsers build exactly the library's option objects", () => {
    expect(parseUpOptions({ dryRun: true })).toEqual({ options: { dryRun: true }, flags: {} });
    expect(parseDownOptions([], { dryRun: true, step: "1" })).toEqual({ step: 1, dryRun: true });
    expect(() => parseDownOptions([], { dryRun: "rehearse" })).toThrow('down --dry-run takes no value, got "rehearse"');
    expect(parsePlanOptions({ down: true, all: true }, false)).toEqual({ direction: "down", all: true });
    expect(parsePlanOptions({ allowOutOfOrder: true }, true)).toEqual({ direction: "up", allowOutOfOrder: true });
  });
});
