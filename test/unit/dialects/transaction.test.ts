import { describe, expect, it } from "vitest";
import type { Connection } from "../../../src/dialects/dialect.js";
import { withTransaction } from "../../../src/dialects/transaction.js";

/** A connection that records begin/commit/rollback, failing those named in `failing`. */
function recorder(failing: readonly string[] = []): { conn: Connection; calls: string[] } {
  const calls: string[] = [];
  const step = (name: string) => async () => {
    calls.push(name);
    if (failing.includes(name)) throw new Error(`${name} failed`);
  };
  const conn = { begin: step("begin"), commit: step("commit"), rollback: step("rollback") } as unknown as Connection;
  return { conn, calls };
}

describe("withTransaction (Connection.transaction)", () => {
  it("begins, runs fn on the connection, commits and returns fn's value", async () => {
    const { conn, calls } = recorder();
    const value = await withTransaction(conn, async (tx) => {
      expect(tx).toBe(conn);
      calls.push("fn");
      return 7;
    });
    expect(value).toBe(7);
    expect(calls).toEqual(["begin", "fn", "commit"]);
  });

  it("rolls back and rethrows when fn fails", async () => {
    const { conn, calls } = recorder();
    const boom = new Error("boom");
    await expect(withTransaction(conn, async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(calls).toEqual(["begin", "rollback"]);
  });

  it("rolls back and rethrows when the COMMIT fails", async () => {
    const { conn, calls } = recorder(["commit"]);
    await expect(withTransaction(conn, async () => 1)).rejects.toThrow("commit failed");
    expect(calls).toEqual(["begin", "commit", "rollback"]);
  });

  it("reports fn's error, not a failing rollback's", async () => {
    const { conn, calls } = recorder(["rollback"]);
    await expect(withTransaction(conn, async () => Promise.reject(new Error("first")))).rejects.toThrow("first");
    expect(calls).toEqual(["begin", "rollback"]);
  });

  it("runs nothing when BEGIN fails", async () => {
    const { conn, calls } = recorder(["begin"]);
    let ran = false;
    await expect(withTransaction(conn, async () => (ran = true))).rejects.toThrow("begin failed");
    expect(ran).toBe(false);
    expect(calls).toEqual(["begin"]);
  });
});
