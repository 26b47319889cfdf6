import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

/**
 * Config files as the user meets them: every problem listed with where (file:line) and the fix;
 * a `.ts` error with its line without --verbose; two config files side by side refused.
 */
const migration = "-- migrate:up\nCREATE TABLE base (id INTEGER);\n-- migrate:down\nDROP TABLE base;\n";

function fingerprint(file: string): string {
  return existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex") : "absent";
}

describe("config file problems on SQLite", () => {
  let project: Project;
  let db: string;

  beforeEach(async () => {
    project = makeProject({ "001_base.sql": migration });
    db = join(project.dir, "stratum.db");
    const up = await runCli(["up"], { cwd: project.dir });
    expect(up.code, up.output).toBe(0);
  });
  afterEach(() => project.cleanup());

  it("lists every problem of a JSON config, each with file:line and a fix", async () => {
    project.write(
      "stratum.config.json",
      ["{", '  "parallel": "many",', '  "lockTimout": 5,', '  "environments": {', '    "production": { "ordering": "sideways" }', "  }", "}", ""].join("\n"),
    );
    const before = fingerprint(db);
    const result = await runCli(["up"], { cwd: project.dir });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).not.toContain("more)");
    expect(result.stderr).toContain("3 problems in stratum.config.json:");
    const expected = [
      ['invalid value for "parallel" in stratum.config.json:2', 'fix: Set "parallel" to an integer from 1 to 64.'],
      ['unknown key "lockTimout" in stratum.config.json:3; did you mean "lockTimeout"?', 'fix: Rename "lockTimout" to "lockTimeout".'],
      ['invalid value for "environments.production.ordering" in stratum.config.json:5', 'fix: Set "environments.production.ordering" to "linear" or "graph".'],
    ];
    const lines = result.stderr.split("\n");
    for (const [problem, fix] of expected) {
      const at = lines.findIndex((line) => line.includes(problem as string));
      expect(at, `${problem} in:\n${result.stderr}`).toBeGreaterThan(0);
      expect(lines[at + 1], result.stderr).toContain(fix);
    }
    expect(fingerprint(db)).toBe(before);
  });

  it("lists every bad environment variable at once, each with its fix", async () => {
    const result = await runCli(["up"], { cwd: project.dir, env: { STRATUM_PARALLEL: "100", STRATUM_TRANSACTION: "maybe" } });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain("2 problems in the environment variables and flags:");
    expect(result.stderr).toContain("invalid value for environment variable STRATUM_PARALLEL: expected an integer from 1 to 64, got 100");
    expect(result.stderr).toContain("fix: Set STRATUM_PARALLEL to an integer from 1 to 64.");
    expect(result.stderr).toContain('invalid value for environment variable STRATUM_TRANSACTION: expected "each", "all" or "none", got "maybe"');
    expect(result.stderr).toContain('fix: Set STRATUM_TRANSACTION to "each", "all" or "none".');
  });

  it("lists every problem under --json too", async () => {
    project.write("stratum.config.json", '{\n  "parallel": 0,\n  "ordering": "x"\n}\n');
    const result = await runCli(["status", "--json"], { cwd: project.dir });
    expect(result.code, result.output).toBe(2);
    const error = JSON.parse(result.stderr.trim()) as { code: string; message: string };
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain('"parallel" in stratum.config.json:2');
    expect(error.message).toContain('"ordering" in stratum.config.json:3');
  });

  it("a syntax error in stratum.config.ts says file:line:column without --verbose", async () => {
    project.write("stratum.config.ts", 'export default {\n  url: "sqlite:./stratum.db",\n  dir: "./migrations"\n  lockTimeout: "30s",\n};\n');
    const result = await runCli(["status"], { cwd: project.dir });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toMatch(/cannot load stratum\.config\.ts:4:\d+: /);
    expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  it("an error thrown by stratum.config.ts says file:line", async () => {
    project.write("stratum.config.ts", "const settings = { dir: './migrations' };\n\nthrow new Error('no settings for ' + process.platform);\nexport default settings;\n");
    const result = await runCli(["status"], { cwd: project.dir });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain("cannot load stratum.config.ts:3: no settings for ");
  });

  it("stratum.config.ts and stratum.config.json side by side: exit 2 naming both, nothing changed", async () => {
    project.write("stratum.config.ts", 'export default { url: "sqlite:./ts.db" };\n');
    project.write("stratum.config.json", '{ "url": "sqlite:./json.db" }\n');
    project.migration("002_more.sql", "-- migrate:up\nCREATE TABLE more (id INTEGER);\n");
    for (const args of [["up"], ["status"], ["down", "--yes"]]) {
      const result = await runCli(args, { cwd: project.dir });
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toContain("stratum.config.ts and stratum.config.json");
      expect(result.stderr).toContain("keep one");
    }
    expect(existsSync(join(project.dir, "ts.db"))).toBe(false);
    expect(existsSync(join(project.dir, "json.db"))).toBe(false);
    // --config chooses one explicitly
    const chosen = await runCli(["up", "--config", "stratum.config.json"], { cwd: project.dir });
    expect(chosen.code, chosen.output).toBe(0);
    expect(existsSync(join(project.dir, "json.db"))).toBe(true);
  });
});

describe("the PostgreSQL connect timeout is a real setting: ?connect_timeout=<seconds>", () => {
  let project: Project;
  let server: Server;
  let port: number;
  let sockets: Socket[];

  beforeEach(async () => {
    sockets = [];
    project = makeProject({ "001_base.sql": migration });
    // accepts connections and never answers, like a server behind a black-holing firewall
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    port = (server.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
    project.cleanup();
  });

  it("a silent server: exit 5 after the URL's connect_timeout, and the hint names that parameter", async () => {
    const result = await runCli(["status", "--url", `postgres://app@127.0.0.1:${port}/app?connect_timeout=1`], { cwd: project.dir });
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toContain("no answer within 1 s");
    expect(result.stderr).toContain("?connect_timeout=<seconds>");
    expect(result.stderr).not.toContain("raise the connect timeout");
  });

  it("a connect_timeout that is not whole seconds: exit 2 naming it", async () => {
    const result = await runCli(["status", "--url", `postgres://app@127.0.0.1:${port}/app?connect_timeout=soon`], { cwd: project.dir });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('invalid connect_timeout "soon"');
    expect(sockets).toHaveLength(0);
  });
});
