import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDialect } from "../../src/dialects/create-dialect.js";
import type { Connection, Dialect } from "../../src/dialects/dialect.js";
import type { Target, TestDb } from "../support/targets.js";

/**
 * The Connection port, written once and run on every dialect's real server (from the dialect
 * contract, which skips or fails an unreachable one).
 */
export function describeConnectionContract(target: Target): void {
  describe(`${target.name} connection contract`, () => {
    let db: TestDb;
    let dialect: Dialect;
    let conn: Connection;
    const ids = async (): Promise<number[]> =>
      (await conn.query<{ id: number | string }>("select id from tx_probe order by id")).map((row) => Number(row.id));

    beforeEach(async () => {
      db = await target.createDatabase();
      dialect = await createDialect({ url: db.url, cwd: process.cwd(), environment: {} });
      conn = await dialect.connect();
      await conn.exec("create table tx_probe (id integer primary key)");
    });
    afterEach(async () => {
      await conn.close();
      await dialect.dispose();
      await db.drop();
    });

    it("transaction(fn) commits what fn did and returns its value", async () => {
      const value = await conn.transaction(async (tx) => {
        expect(tx).toBe(conn);
        await tx.query("insert into tx_probe (id) values (?)", [1]);
        return "done";
      });
      expect(value).toBe("done");
      expect(await ids()).toEqual([1]);
    });

    it("transaction(fn) rolls back and rethrows when fn fails, leaving the session usable", async () => {
      const boom = new Error("boom");
      await expect(
        conn.transaction(async (tx) => {
          await tx.query("insert into tx_probe (id) values (?)", [1]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await ids()).toEqual([]);
      await conn.transaction((tx) => tx.query("insert into tx_probe (id) values (?)", [2]));
      expect(await ids()).toEqual([2]);
    });

    it("transaction(fn) rolls back and rethrows when a statement fails", async () => {
      await expect(
        conn.transaction(async (tx) => {
          await tx.query("insert into tx_probe (id) values (?)", [1]);
          await tx.query("insert into tx_probe (id) values (?)", [1]);
        }),
      ).rejects.toThrow();
      expect(await ids()).toEqual([]);
      await conn.transaction((tx) => tx.query("insert into tx_probe (id) values (?)", [3]));
      expect(await ids()).toEqual([3]);
    });

    if (target.name !== "mysql") {
      it("transaction(fn) rolls back and rethrows when the COMMIT fails (a deferred foreign key)", async () => {
        await conn.exec(
          "create table tx_child (id integer primary key, parent integer references tx_probe (id) deferrable initially deferred)",
        );
        await expect(
          conn.transaction(async (tx) => {
            await tx.query("insert into tx_child (id, parent) values (?, ?)", [1, 99]);
          }),
        ).rejects.toThrow();
        expect(await conn.query("select id from tx_child")).toEqual([]);
        await conn.transaction((tx) => tx.query("insert into tx_probe (id) values (?)", [4]));
        expect(await ids()).toEqual([4]);
      });
    }
  });
}
