// `up` and `status` open their read-only connection while the migration files are read (issue
// 16). What that must not change: a no-op still opens one connection and closes it, an error
// found before the first query is reported at once (not after a slow or unreachable server's
// timeout), and a connection that fails is reported as before.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { migratorFromTarget } from "../../../src/migrator.js";
import { fakeTarget } from "../../support/fake-ports.js";
import { rejectionOf, testConfig } from "./harness.js";

const specs = [{ id: "001_a", up: "create table a (id int)" }];
const deps = {
  identity: { host: "test-host", toolVersion: "0.0.0-test", env: "test" },
  loadCode: () => Promise.reject(new Error("SQL migrations only")),
  readFile: () => Promise.reject(new Error("no files")),
};

describe("the connection opened while discovery runs", () => {
  it("a no-op up and a status open one read-only connection each, and close it", async () => {
    const target = fakeTarget(specs);
    const migrator = migratorFromTarget(testConfig(), target, deps);
    await migrator.up();
    const before = target.db.opened.length;
    const report = await migrator.up();
    expect(report.migrations).toEqual([]);
    expect(target.db.opened.slice(before)).toEqual([{ id: expect.any(Number), readOnly: true }]);
    const opened = target.db.opened.length;
    await migrator.status();
    expect(target.db.opened.slice(opened)).toEqual([{ id: expect.any(Number), readOnly: true }]);
  });

  it.each(["up", "status"] as const)("%s: a discovery error is reported at once while the server has not answered", async (operation) => {
    const fake = fakeTarget(specs);
    let closed = 0;
    let answer: (() => void) | undefined;
    const dialect = {
      ...fake.dialect,
      connect: async (options?: { readOnly?: boolean }) => {
        await new Promise<void>((resolve) => (answer = resolve)); // a server that has not answered yet
        const conn = await fake.dialect.connect(options);
        const close = conn.close.bind(conn);
        return Object.assign(conn, { close: async () => { closed++; await close(); } });
      },
    };
    const source = { list: () => Promise.reject(new ConfigError("migrations directory ./nope does not exist", { key: "dir" })) };
    const migrator = migratorFromTarget(testConfig(), { ...fake, dialect, source }, deps);
    const error = await rejectionOf(migrator[operation]());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe("migrations directory ./nope does not exist");
    // the connection that opens later is closed, not left open
    answer?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(1);
  });

  it.each(["up", "status"] as const)("%s: a connection that fails is reported as the run's error", async (operation) => {
    const fake = fakeTarget(specs);
    const dialect = { ...fake.dialect, connect: () => Promise.reject(new Error("cannot connect to the fake server")) };
    const migrator = migratorFromTarget(testConfig(), { ...fake, dialect }, deps);
    const error = await rejectionOf(migrator[operation]());
    expect(error.message).toBe("cannot connect to the fake server");
  });
});
