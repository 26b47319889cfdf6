// A PostgreSQL fleet through the built CLI: 20 schemas in one database (a schema per tenant),
// migrated with `--all-targets --concurrency 4`; each target keeps its own history, and the
// connections open at once stay bounded by the concurrency.

import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, type TestDb } from "../support/targets.js";

const postgres = await postgresTarget();

const MIGRATIONS = {
  "001_orders.sql": "-- migrate:up\nCREATE TABLE orders (id int primary key, total int);\n-- migrate:down\nDROP TABLE orders;\n",
  "002_index.sql": "-- migrate:up\nCREATE INDEX orders_total ON orders (total);\n-- migrate:down\nDROP INDEX orders_total ON orders;\n",
  "003_items.sql": "-- migrate:up\nCREATE TABLE items (id int primary key, order_id int);\n-- migrate:down\nDROP TABLE items;\n",
};

const PG_MIGRATIONS = { ...MIGRATIONS, "002_index.sql": "-- migrate:up\nCREATE INDEX orders_total ON orders (total);\n-- migrate:down\nDROP INDEX orders_total;\n" };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tenants = (n: number) => Array.from({ length: n }, (_, i) => `tenant_${String(i + 1).padStart(2, "0")}`);

// eachTarget: an unreachable server fails the run under CI=true, and is skipped loudly otherwise
eachTarget([postgres], "a PostgreSQL fleet: 20 schemas in one database", () => describe("a PostgreSQL fleet: 20 schemas in one database", () => {
  it("up --all-targets --concurrency 4 takes every schema to head, each with its own history", async () => {
    const db: TestDb = await postgres.createDatabase();
    cleanups.push(() => db.drop());
    const project: Project = makeProject(PG_MIGRATIONS);
    cleanups.push(() => project.cleanup());
    const names = tenants(20);
    for (const name of names) await db.query(`create schema ${name}`);
    project.write("stratum.config.json", JSON.stringify({ url: db.url, targets: names.map((name) => ({ name, schema: name })) }));

    // watch the connections the run opens on this database
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    cleanups.push(() => watcher.end());
    // the connections there before the run (the test's own) are not the run's
    const before = (await watcher.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database()")).rows.map((r) => r.pid);
    let peak = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const rows = await watcher.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where datname = current_database() and pid <> all($1::int[])",
          [before],
        );
        peak = Math.max(peak, Number(rows.rows[0]?.n ?? 0));
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
    })();
    const run = await runCli(["up", "--all-targets", "--concurrency", "4"], { cwd: project.dir });
    watching = false;
    await watch;
    expect(run.code, run.output).toBe(0);
    expect(run.stdout.match(/ {2}ok {2}applied 3 migrations, now at 003 \(/g)).toHaveLength(20);
    // at most 4 targets open at once, each on one connection (its run lock taken on the work's)
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);

    for (const name of names) {
      const applied = await db.query<{ version: string }>(`select version from ${name}.stratum_migrations where state = 'applied' order by version`);
      expect(applied.map((row) => row.version), name).toEqual(["001", "002", "003"]);
      const tables = await db.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = ? and table_name in ('orders', 'items') order by 1",
        [name],
      );
      expect(tables.map((row) => row.table_name), name).toEqual(["items", "orders"]);
    }
    expect(await db.query("select 1 from information_schema.tables where table_schema = 'public' and table_name = 'orders'")).toEqual([]);

    // status over the fleet: the targets × versions matrix, every schema at 003, nothing pending
    const status = await runCli(["status", "--all-targets"], { cwd: project.dir });
    expect(status.code, status.output).toBe(0);
    expect(status.stdout.match(/^tenant_\d\d +✓ +✓ +✓ +003\S* +0$/gm)).toHaveLength(20);

    // down on two named tenants: roll back their last migration, the others keep it
    const down = await runCli(["down", "--target", "tenant_03", "--target", "tenant_17"], { cwd: project.dir });
    expect(down.code, down.output).toBe(0);
    for (const name of names) {
      const applied = await db.query(`select 1 from ${name}.stratum_migrations where state = 'applied'`);
      expect(applied.length, name).toBe(name === "tenant_03" || name === "tenant_17" ? 2 : 3);
    }
  });
}));
