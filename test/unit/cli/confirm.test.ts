import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { confirmDecision, confirmDestructive, confirmQuestion, readAnswer, type ConfirmRequest } from "../../../src/cli/confirm.js";
import { createOutput } from "../../../src/cli/io.js";
import { memoryIo, runCli } from "./cli-harness.js";

const request: ConfirmRequest = {
  protectedEnv: true,
  envName: "production",
  database: "postgres://u:***@host/db",
  action: "roll back 3 migrations",
  yes: false,
};

describe("the decision", () => {
  it.each([
    { protectedEnv: false, yes: false, tty: false, decision: "proceed" },
    { protectedEnv: false, yes: false, tty: true, decision: "proceed" },
    { protectedEnv: true, yes: true, tty: false, decision: "proceed" },
    { protectedEnv: true, yes: true, tty: true, decision: "proceed" },
    { protectedEnv: true, yes: false, tty: true, decision: "ask" },
    { protectedEnv: true, yes: false, tty: false, decision: "refuse" },
  ] as const)("protected=$protectedEnv yes=$yes tty=$tty → $decision", ({ protectedEnv, yes, tty, decision }) => {
    expect(confirmDecision({ ...request, protectedEnv, yes }, tty)).toBe(decision);
  });

  it("asks with the action, the environment and the masked database", () => {
    expect(confirmQuestion(request)).toBe("Roll back 3 migrations on production (postgres://u:***@host/db)? [y/N] ");
  });
});

describe("asking", () => {
  async function ask(input: string | null, tty = true) {
    const memory = memoryIo({ stdinTTY: tty, ...(input === null ? {} : { input }) });
    if (input === null) memory.stdin.end();
    const output = createOutput(memory.io, { color: false, verbosity: "normal", json: false });
    let error: unknown;
    try {
      await confirmDestructive(request, { stdin: memory.io.stdin, output });
    } catch (caught) {
      error = caught;
    }
    return { error, stderr: memory.stderr.text() };
  }

  it.each(["y\n", "Y\n", "yes\n", " yes \r\n"])("%j proceeds", async (answer) => {
    const { error, stderr } = await ask(answer);
    expect(error).toBeUndefined();
    expect(stderr).toBe("Roll back 3 migrations on production (postgres://u:***@host/db)? [y/N] ");
  });

  it.each(["n\n", "\n", "no\n", "yep\n"])("%j cancels with exit 2", async (answer) => {
    const { error } = await ask(answer);
    expect(error).toMatchObject({ exitCode: 2, message: "cancelled: did not roll back 3 migrations; nothing was changed" });
  });

  it("end of input cancels", async () => {
    const { error } = await ask(null);
    expect(error).toMatchObject({ exitCode: 2 });
  });

  it("no terminal: refuses and says to pass --yes", async () => {
    const { error, stderr } = await ask("y\n", false);
    expect(error).toMatchObject({
      exitCode: 2,
      code: "USAGE",
      message:
        'refusing to roll back 3 migrations on the protected environment "production" without confirmation: ' +
        "there is no terminal to ask on, so pass --yes to proceed",
    });
    expect(stderr).toBe("");
  });

  it("an interrupt while waiting stops with exit 130", async () => {
    const stdin = new PassThrough();
    const controller = new AbortController();
    const answer = readAnswer(stdin, controller.signal);
    controller.abort("SIGINT");
    await expect(answer).rejects.toMatchObject({ exitCode: 130, code: "INTERRUPTED" });
  });

  it("reads a line given in pieces", async () => {
    const stdin = new PassThrough();
    const answer = readAnswer(stdin);
    stdin.write("ye");
    stdin.write("s\nmore");
    await expect(answer).resolves.toBe("yes");
  });
});

describe("destructive commands on a protected environment", () => {
  const protectedEnv = { config: { protected: true, env: "production", url: "postgres://u:pw@host/db" } };
  const twoSteps = {
    steps: [
      { direction: "down", version: "005", name: "b", file: "005_b.sql", reason: "applied", after: [], transaction: true },
      { direction: "down", version: "004", name: "a", file: "004_a.sql", reason: "applied", after: [], transaction: true },
    ],
    warnings: [],
  } as const;

  it.each([
    { argv: ["down", "--step", "2"], action: "roll back 2 migrations" },
    { argv: ["repair"], action: "repair the migration history (re-record changed checksums)" },
    { argv: ["resolve", "005", "--applied"], action: "mark 005 as applied" },
    { argv: ["baseline", "005"], action: "baseline at version 005" },
    { argv: ["redo"], action: "redo 005_b (roll it back and apply it again)" },
  ])("$argv without a terminal and without --yes: exit 2, nothing done", async ({ argv, action }) => {
    const result = await runCli(argv, { ...protectedEnv, plan: twoSteps });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: refusing to ${action}`);
    expect(result.stderr).toContain("pass --yes to proceed");
    expect(result.stderr).not.toContain("pw");
    expect(result.calls.down).toEqual([]);
    expect(result.calls.redo).toEqual([]);
    expect(result.calls.repair).toEqual([]);
    expect(result.calls.resolve).toEqual([]);
    expect(result.calls.baseline).toEqual([]);
  });

  it("asks on a terminal and proceeds on y", async () => {
    const result = await runCli(["down", "--step", "2"], { ...protectedEnv, plan: twoSteps }, { stdinTTY: true, input: "y\n" });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("Roll back 2 migrations on production (postgres://u:***@host/db)? [y/N] ");
    // the library plans under the lock and asks with its own plan: the CLI plans nothing itself
    expect(result.calls.plan).toEqual([]);
    expect(result.calls.down).toEqual([{ step: 2 }]);
  });

  it("asks on a terminal and stops on n", async () => {
    const result = await runCli(["down"], { ...protectedEnv, plan: twoSteps }, { stdinTTY: true, input: "n\n" });
    expect(result.code).toBe(2);
    expect(result.calls.down).toEqual([]);
  });

  it("--yes skips the question", async () => {
    const result = await runCli(["down", "--yes"], { ...protectedEnv, plan: twoSteps });
    expect(result.code).toBe(0);
    expect(result.calls.plan).toEqual([]);
    expect(result.calls.down).toEqual([{}]);
  });

  it("a dry run and an empty rollback do not ask", async () => {
    expect((await runCli(["down", "--dry-run"], { ...protectedEnv, plan: twoSteps })).calls.down).toEqual([{ dryRun: true }]);
    expect((await runCli(["down"], { ...protectedEnv, plan: { steps: [], warnings: [] } })).calls.down).toEqual([{}]);
  });

  it("an unprotected environment never asks", async () => {
    const result = await runCli(["down", "--all"], { plan: twoSteps });
    expect(result.code).toBe(0);
    expect(result.calls.plan).toEqual([]);
    expect(result.calls.down).toEqual([{ all: true }]);
  });

  it("up is not destructive", async () => {
    const result = await runCli(["up"], protectedEnv);
    expect(result.code).toBe(0);
    expect(result.calls.up).toEqual([{}]);
  });
});
