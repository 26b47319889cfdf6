// One target's run mapped to a TargetResult (pure logic over a scripted Migrator): what changed,
// where a failed migration failed (file:line), the exit code per operation, the Migrator always
// closed, and how much detail is kept.

import { describe, expect, it } from "vitest";
import type { Migrator, RunReport, StatusReport, ValidateReport } from "../../../src/api-types.js";
import type { MigratorEvent } from "../../../src/core/events.js";
import { MigrationError } from "../../../src/core/errors.js";
import { targetOperation, type FleetRequest } from "../../../src/fleet/operations.js";
import type { FleetTarget } from "../../../src/fleet/types.js";
import { resolvedConfig } from "../cli/cli-harness.js";

const target: FleetTarget = { name: "tenant_1", url: "sqlite:/data/t1.db" };

interface Script {
  readonly events?: readonly MigratorEvent[];
  readonly up?: () => Promise<RunReport>;
  readonly status?: () => Promise<StatusReport>;
  readonly validate?: () => Promise<ValidateReport>;
  readonly closeFails?: boolean;
}

function scripted(script: Script) {
  const seen = { closed: 0, configs: [] as string[] };
  const listeners = new Set<(event: MigratorEvent) => void>();
  const emitThen = <T>(body: (() => Promise<T>) | undefined) => async (): Promise<T> => {
    for (const event of script.events ?? []) for (const listener of listeners) listener(event);
    if (body === undefined) throw new Error("not scripted");
    return body();
  };
  const open = (config: { url: string }): Migrator => {
    seen.configs.push(config.url);
    return {
      on: (listener: (event: MigratorEvent) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      up: emitThen(script.up),
      status: emitThen(script.status),
      validate: emitThen(script.validate),
      close: async () => {
        seen.closed += 1;
        if (script.closeFails === true) throw new Error("close failed");
      },
    } as unknown as Migrator;
  };
  return { open, seen };
}

const context = () => ({ signal: new AbortController().signal, migration: () => undefined });
const report = (overrides: Partial<RunReport>): RunReport => ({
  direction: "up", ok: true, migrations: [], durationMs: 1, backup: null, dryRun: false, warnings: [], ...overrides,
});
const run = (request: FleetRequest, script: Script, keepDetail: boolean | "states" = false) => {
  const fake = scripted(script);
  const operation = targetOperation(resolvedConfig({ url: "sqlite:./fleet.db" }), request, { createMigrator: fake.open, keepDetail });
  return { result: operation(target, context()), seen: fake.seen };
};

describe("targetOperation", () => {
  it("runs on the target's URL, counts what up applied and where it stands, closes the Migrator", async () => {
    const { result, seen } = run({ operation: "up" }, {
      events: [
        { type: "migration:end", direction: "up", version: "001", name: "a", durationMs: 1, worker: 0 },
        { type: "run:end", direction: "up", ok: true, applied: 2, failed: 0, remaining: 1, durationMs: 2, dryRun: false, backup: null, interrupted: null },
      ],
      up: async () => report({ migrations: [
        { version: "001", name: "a", direction: "up", status: "applied", durationMs: 1 },
        { version: "002", name: "b", direction: "up", status: "applied", durationMs: 1 },
      ] }),
    });
    expect(await result).toEqual({ outcome: "ok", exitCode: 0, changed: 2, version: "002", pending: 1 });
    expect(seen).toEqual({ closed: 1, configs: ["sqlite:/data/t1.db"] });
  });

  it("a failure in the report: exit 1, the message and the file:line from the migration's error event", async () => {
    const { result } = run({ operation: "up" }, {
      events: [
        { type: "run:start", direction: "up", planned: 2, dialect: "sqlite", database: "t1.db", dryRun: false, parallel: 1 },
        { type: "migration:end", direction: "up", version: "001", name: "a", durationMs: 1, worker: 0 },
        { type: "migration:error", direction: "up", version: "002", name: "b", durationMs: 1, worker: 0, dirty: false, error: { code: "MIGRATION_FAILED", message: "table poison already exists\nmore", location: "002_b.sql:3" } },
      ],
      up: async () => report({ ok: false, migrations: [
        { version: "001", name: "a", direction: "up", status: "applied", durationMs: 1 },
        { version: "002", name: "b", direction: "up", status: "failed", durationMs: 1, error: "table poison already exists" },
      ] }),
    });
    expect(await result).toEqual({
      outcome: "failed", exitCode: 1, changed: 1, version: "001",
      error: { message: "table poison already exists", location: "002_b.sql:3" },
    });
  });

  it("a thrown MigrationError: its location, what ran before it, and the Migrator still closed", async () => {
    const { result, seen } = run({ operation: "up" }, {
      events: [
        { type: "run:start", direction: "up", planned: 2, dialect: "sqlite", database: "t1.db", dryRun: false, parallel: 1 },
        { type: "migration:end", direction: "up", version: "001", name: "a", durationMs: 1, worker: 0 },
      ],
      up: async () => {
        throw new MigrationError({ version: "002", name: "b", location: "002_b.sql:7" }, "migration 002_b failed: boom");
      },
    });
    expect(await result).toEqual({
      outcome: "failed", exitCode: 1, changed: 1, version: "001",
      error: { message: "migration 002_b failed: boom", location: "002_b.sql:7" },
    });
    expect(seen.closed).toBe(1);
  });

  it("a close that fails after success fails the target; a driver's URL in a message is masked", async () => {
    const closing = run({ operation: "up" }, { up: async () => report({}), closeFails: true });
    expect(await closing.result).toMatchObject({ outcome: "failed", exitCode: 1, error: { message: "close failed" } });
    const leaking = run({ operation: "up" }, { up: async () => { throw new Error("cannot reach postgres://app:hunter2@db/app"); } });
    const failed = await leaking.result;
    expect(failed.error?.message).not.toContain("hunter2");
  });

  it("status: the newest applied version and the pending count; detail only when asked, slim with \"states\"", async () => {
    const status: StatusReport = {
      migrations: [
        { version: "001", name: "a", state: "applied", checksum: "x", appliedAt: "t", durationMs: 1, file: "001_a.sql" },
        { version: "002", name: "b", state: "pending", checksum: "y", appliedAt: null, durationMs: null, file: "002_b.sql" },
      ],
      pending: 1, dirty: false, problems: [],
    };
    expect(await run({ operation: "status" }, { status: async () => status }).result).toEqual({ outcome: "ok", exitCode: 0, changed: 0, pending: 1, version: "001" });
    expect((await run({ operation: "status" }, { status: async () => status }, true).result).detail).toBe(status);
    expect((await run({ operation: "status" }, { status: async () => status }, "states").result).detail).toEqual({
      migrations: [{ version: "001", name: "a", state: "applied" }, { version: "002", name: "b", state: "pending" }],
    });
  });

  it("validate: an error fails the target with exit 3, naming the first problem and its file", async () => {
    const validate: ValidateReport = {
      ok: false, migrations: 2,
      problems: [{ code: "CHECKSUM_MISMATCH", message: "002_b.sql changed after it was applied", files: ["002_b.sql"], fix: "repair", severity: "error" }],
    } as ValidateReport;
    expect(await run({ operation: "validate" }, { validate: async () => validate }).result).toEqual({
      outcome: "failed", exitCode: 3, changed: 0, error: { message: "002_b.sql changed after it was applied", location: "002_b.sql" },
    });
  });

  it("an abort while reading: the target is interrupted (130) and its Migrator closed", async () => {
    const fake = scripted({ status: () => new Promise<StatusReport>(() => undefined) });
    const operation = targetOperation(resolvedConfig(), { operation: "status" }, { createMigrator: fake.open });
    const controller = new AbortController();
    const pending = operation(target, { signal: controller.signal, migration: () => undefined });
    controller.abort("SIGTERM");
    expect(await pending).toMatchObject({ outcome: "failed", exitCode: 130 });
    expect(fake.seen.closed).toBe(1);
  });
});

describe("targetOperation, a target whose configuration is refused", () => {
  it("fails that target with the error's own exit code and sentence", async () => {
    const { ConfigError } = await import("../../../src/core/errors.js");
    const operation = targetOperation(resolvedConfig(), { operation: "up" }, {
      createMigrator: () => {
        throw new ConfigError('target "tenant_1": schema "nosuch" does not exist');
      },
    });
    expect(await operation(target, context())).toEqual({
      outcome: "failed",
      exitCode: 2,
      changed: 0,
      error: { message: 'target "tenant_1": schema "nosuch" does not exist' },
    });
  });
});
