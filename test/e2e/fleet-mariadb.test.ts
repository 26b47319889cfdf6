// A MariaDB fleet through the built CLI: 10 databases migrated with `--all-targets --concurrency 4`,
// one JSON result per target, and a re-run that changes nothing.

import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";
import { mysqlTarget, type TestDb } from "../support/targets.js";

const mysql = await mysqlTarget();

const MIGRATIONS = {
  "001_orders.sql": "-- migrate:up\nCREATE TABLE orders (id int primary key, total int);\n-- migrate:down\nDROP TABLE orders;\n",
  "002_index.sql": "-- migrate:up\nCREATE INDEX orders_total ON orders (total);\n-- migrate:down\nDROP INDEX orders_total ON orders;\n",
  "003_items.sql": "-- migrate:up\nCREATE TABLE items (id int primary key, order_id int);\n-- migrate:down\nDROP TABLE items;\n",
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tenants = (n: number) => Array.from({ length: n }, (_, i) => `tenant_${String(i + 1).padStart(2, "0")}`);

// eachTarget: an unreachable server fails the run under CI=true, and is skipped loudly otherwise
eachTarget([mysql], "a MariaDB fleet: 10 databases", () => describe("a MariaDB fleet: 10 databases", () => {
  it("up --all-targets --concurrency 4 takes every database to head; a re-run is a no-op", async () => {
    const dbs: TestDb[] = [];
    for (let i = 0; i < 10; i += 1) {
      const db = await mysql.createDatabase();
      cleanups.push(() => db.drop());
      dbs.push(db);
    }
    const project = makeProject(MIGRATIONS);
    cleanups.push(() => project.cleanup());
    const names = tenants(10);
    project.write("stratum.config.json", JSON.stringify({ targets: names.map((name, i) => ({ name, url: dbs[i]?.url })) }));

    const run = await runCli(["up", "--all-targets", "--concurrency", "4", "--json"], { cwd: project.dir });
    expect(run.code, run.output).toBe(0);
    const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line["type"] === "target").map((line) => [line["outcome"], line["changed"], line["version"]])).toEqual(
      names.map(() => ["ok", 3, "003"]),
    );
    expect(lines.at(-1)).toMatchObject({ type: "summary", total: 10, ok: 10, changed: 10, exitCode: 0 });
    for (const db of dbs) {
      const applied = await db.query<{ version: string }>("select version from stratum_migrations where state = 'applied' order by version");
      expect(applied.map((row) => row.version)).toEqual(["001", "002", "003"]);
      expect(await db.tables()).toEqual(expect.arrayContaining(["items", "orders"]));
    }
    const again = await runCli(["up", "--all-targets", "--concurrency", "4"], { cwd: project.dir });
    expect(again.code, again.output).toBe(0);
    expect(again.stdout.match(/ {2}ok {2}up to date \(/g)).toHaveLength(10);
  });
}));
