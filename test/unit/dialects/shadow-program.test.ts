// runProgram (initdb, mariadb-install-db) settles only once the program and its children are gone:
// a shadow start aborted or timed out mid-initdb must not leave a process writing into the
// directory that is removed next. The programs here ignore SIGTERM, as initdb does until it
// reaches its next step, and start a child of their own, as initdb does.

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { runProgram } from "../../../src/dialects/shadow-process.js";

const running = (marker: string) =>
  execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(marker) && !line.trimStart().startsWith("Z"));

// A shell that ignores SIGTERM and waits on a child; `marker` names both in ps.
const stubborn = (marker: string) => ["-c", `trap '' TERM; sh -c 'sleep 30; :' ${marker}; :`, marker];

describe("runProgram", () => {
  it("an abort kills the program and its child, and rejects with the abort's reason only after they are gone", async () => {
    const marker = `stratum-marker-${randomUUID()}`;
    const controller = new AbortController();
    const run = runProgram("sh", stubborn(marker), { timeoutMs: 60_000, what: "the test program", fix: "none", signal: controller.signal });
    for (let i = 0; i < 100 && running(marker).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(running(marker).length).toBe(2);
    controller.abort(new Error("stop here"));
    await expect(run).rejects.toThrow("stop here");
    expect(running(marker)).toEqual([]);
  });

  it("a program past its time is killed with its child, and the error names what and how long", async () => {
    const marker = `stratum-marker-${randomUUID()}`;
    const error = await runProgram("sh", stubborn(marker), { timeoutMs: 300, what: "initdb of the test server", fix: "Do something." }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe("initdb of the test server failed: it did not finish within 0.3 s");
    expect((error as ConfigError).fix).toBe("Do something.");
    expect(running(marker)).toEqual([]);
  });

  it("a program that fails gives its last output lines; one that succeeds gives its output", async () => {
    const failed = await runProgram("sh", ["-c", "echo first; echo second; echo third; exit 3"], { timeoutMs: 10_000, what: "the test program", fix: "Fix it." }).catch((e: unknown) => e);
    expect((failed as ConfigError).message).toBe("the test program failed: second / third");
    const quiet = await runProgram("sh", ["-c", "exit 4"], { timeoutMs: 10_000, what: "the test program", fix: "Fix it." }).catch((e: unknown) => e);
    expect((quiet as ConfigError).message).toBe("the test program failed: exit code 4");
    expect(await runProgram("sh", ["-c", "echo ok"], { timeoutMs: 10_000, what: "the test program", fix: "Fix it." })).toBe("ok\n");
  });

  it("a program that does not exist fails with one sentence", async () => {
    const error = await runProgram("/nonexistent/initdb", [], { timeoutMs: 10_000, what: "initdb of the test server", fix: "Install it." }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^initdb of the test server failed: spawn \/nonexistent\/initdb ENOENT$/);
  });
});
