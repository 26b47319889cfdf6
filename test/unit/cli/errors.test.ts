import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  IrreversibleError,
  LockTimeoutError,
  MigrationError,
  ValidationError,
} from "../../../src/core/errors.js";
import type { Problem } from "../../../src/core/types.js";
import { run } from "../../../src/cli/main.js";
import { fakeLibrary, memoryIo, runCli, runReport } from "./cli-harness.js";

const problem: Problem = {
  code: "NO_DOWN",
  message: "004_x has no down section.",
  files: ["004_x.sql"],
  fix: "Add a -- migrate:down section.",
  severity: "error",
};

describe("expected errors: one sentence, the fix, the exit code", () => {
  it.each([
    { error: new ConfigError("unknown key lockTimout in stratum.config.json", { fix: "did you mean lockTimeout?" }), code: 2 },
    { error: new LockTimeoutError("the migration lock is held by pid 7 on ci-2; gave up after 10.0 s"), code: 4 },
    { error: new ValidationError([problem]), code: 3 },
    { error: new IrreversibleError([problem]), code: 3 },
    { error: new MigrationError({ version: "004", name: "x" }, "migration 004_x failed at 004_x.sql:3", { fix: "fix it" }), code: 1 },
  ])("$error.code → exit $code", async ({ error, code }) => {
    const result = await runCli(["up"], { fail: error });
    expect(result.code).toBe(code);
    const [first, ...rest] = error.message.split("\n");
    expect(result.stderr.startsWith(`error: ${first}\n`)).toBe(true);
    if (error.fix !== undefined && !error.message.includes(error.fix)) expect(result.stderr).toContain(`fix: ${error.fix}\n`);
    for (const line of rest) expect(result.stderr).toContain(line);
    expect(result.stderr).not.toContain("    at ");
    expect(result.calls.closed).toBe(1);
  });

  it("--json: one JSON line on stderr with type, code and message", async () => {
    const result = await runCli(["up", "--json"], { fail: new LockTimeoutError("lock held", { fix: "try later" }) });
    expect(result.code).toBe(4);
    expect(result.stderr.endsWith("\n")).toBe(true);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stderr)).toEqual({ type: "error", code: "LOCK_TIMEOUT", message: "lock held", fix: "try later" });
  });

  it("--verbose adds the stack and the cause", async () => {
    const cause = Object.assign(new Error("driver said no"), { code: "57014" });
    const result = await runCli(["status", "--verbose"], { fail: new LockTimeoutError("lock held", { cause }) });
    expect(result.stderr).toContain("error: lock held\n");
    expect(result.stderr).toContain("    at ");
    expect(result.stderr).toContain("caused by: [57014] driver said no");
  });
});

describe("unexpected errors are bugs", () => {
  it("one line, exit 1, no stack", async () => {
    const result = await runCli(["status"], { fail: new TypeError("cannot read properties of undefined (reading 'x')") });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("internal error: cannot read properties of undefined (reading 'x')\n");
  });

  it("the stack with --verbose", async () => {
    const result = await runCli(["status", "--verbose"], { fail: new TypeError("oops") });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^internal error: oops\nTypeError: oops\n\s+at /);
  });

  it("--json", async () => {
    const result = await runCli(["status", "--json"], { fail: new RangeError("bad") });
    expect(JSON.parse(result.stderr)).toEqual({ type: "error", code: "INTERNAL", message: "bad" });
  });
});

describe("interruption", () => {
  it("a read-only command stops at once with exit 130", async () => {
    const controller = new AbortController();
    controller.abort("SIGINT");
    const result = await runCli(["status"], {}, { signal: controller.signal });
    expect(result.code).toBe(130);
    expect(result.stderr).toBe("error: interrupted; nothing was changed\n");
  });

  it("up hands the signal to the library and exits 130 once it returns", async () => {
    const controller = new AbortController();
    controller.abort("SIGTERM");
    const result = await runCli(["up"], {}, { signal: controller.signal });
    expect(result.calls.up[0]?.signal).toBe(controller.signal);
    expect(result.code).toBe(130);
  });

  it("says what happens when the signal arrives", async () => {
    const controller = new AbortController();
    const { library } = fakeLibrary();
    const memory = memoryIo({ signal: controller.signal });
    const pending = run(["up"], memory.io, {
      library: {
        ...library,
        createMigrator: (config) => ({
          ...library.createMigrator(config),
          up: () =>
            new Promise((resolve) => {
              controller.abort("SIGINT");
              resolve(runReport());
            }),
        }),
      },
    });
    expect(await pending).toBe(130);
    expect(memory.stderr.text()).toBe(
      "SIGINT received: the current migration finishes or rolls back, no new one starts, the lock is released " +
        "(send it again to stop at once)\n",
    );
  });
});

describe("run warnings", () => {
  it("plan warnings in the report are printed after the run, on stderr", async () => {
    const warning: Problem = { ...problem, code: "CONFLICT", severity: "warning", message: "002_a and 003_b both touch users." };
    const result = await runCli(["up"], { report: runReport({ warnings: [warning] }) });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning  CONFLICT  004_x.sql\n         002_a and 003_b both touch users.\n");
    const quiet = await runCli(["up", "--quiet"], { report: runReport({ warnings: [warning] }) });
    expect(quiet.stderr).toBe("");
  });
});

describe("init and create", () => {
  it("init creates the directory and a config (modes following the umask), and never overwrites", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "stratum-init-"));
    const umask = process.umask(0o022);
    const first = await runCli(["init"], {}, { cwd }).finally(() => process.umask(umask));
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("created migrations/\ncreated stratum.config.json\nnext: stratum create create_first_table\n");
    expect(JSON.parse(readFileSync(join(cwd, "stratum.config.json"), "utf8"))).toEqual({
      url: "sqlite:./stratum.db",
      dir: "./migrations",
    });
    expect(statSync(join(cwd, "stratum.config.json")).mode & 0o777).toBe(0o644);
    expect(statSync(join(cwd, "migrations")).isDirectory()).toBe(true);
    expect(statSync(join(cwd, "migrations")).mode & 0o777).toBe(0o755);

    const second = await runCli(["init"], {}, { cwd });
    expect(second.code).toBe(2);
    expect(second.stderr).toBe(
      "error: stratum.config.json already exists and init never overwrites a configuration; nothing was changed\n" +
        "fix: edit that file instead, or remove it and run stratum init again\n",
    );
  });

  it("init refuses when a TypeScript config exists, and honours --url, --dir, --config", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "stratum-init-"));
    writeFileSync(join(cwd, "stratum.config.ts"), "export default {};\n");
    expect((await runCli(["init"], {}, { cwd })).code).toBe(2);
    const custom = await runCli(["init", "--config", "db/stratum.json", "--dir", "db/migrations", "--url", "postgres://app@h/app", "--json"], {}, { cwd });
    expect(custom.code).toBe(0);
    expect(JSON.parse(custom.stdout)).toEqual({
      created: [join(cwd, "db/migrations"), join(cwd, "db/stratum.json")],
      config: join(cwd, "db/stratum.json"),
      dir: join(cwd, "db/migrations"),
    });
    expect(JSON.parse(readFileSync(join(cwd, "db/stratum.json"), "utf8"))).toEqual({ url: "postgres://app@h/app", dir: "db/migrations" });
    const notJson = await runCli(["init", "--config", "x.ts"], {}, { cwd });
    expect(notJson.code).toBe(2);
  });

  it("create passes the kind and prints the path relative to the working directory", async () => {
    const sql = await runCli(["create", "add_orders"]);
    expect(sql.stdout).toBe("created migrations/003_add_orders.sql\n");
    const ts = await runCli(["create", "backfill", "--ts", "--json"]);
    expect(JSON.parse(ts.stdout)).toEqual({ path: "/project/migrations/003_backfill.ts", version: "003" });
  });
});
