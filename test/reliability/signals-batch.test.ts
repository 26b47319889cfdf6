// Ctrl-C during a TypeScript migration's `ctx.batch`: an interruption, recorded and reported as
// one (log outcome `interrupted`, exit 130), not a failure to fix in the migration.

import { expect } from "vitest";
import { readState } from "../support/invariants.js";
import { mysqlTarget, postgresTarget, sqliteTarget } from "../support/targets.js";
import { describeTargets, fresh } from "./fixture-set.js";

const sqlite = sqliteTarget();
const targets = [sqlite, await postgresTarget(), await mysqlTarget()];

const ROWS = 40;
const items = [
  "CREATE TABLE items (id INTEGER PRIMARY KEY, flag INTEGER NOT NULL);",
  `INSERT INTO items (id, flag) VALUES ${Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 0)`).join(", ")};`,
  "",
].join("\n");

// ten batches of four rows, each taking a while
const backfill = [
  "export async function up(ctx) {",
  "  await ctx.batch({",
  "    label: 'items.flag',",
  "    size: 4,",
  `    total: ${ROWS},`,
  "    fetch: (after, size) => ctx.sql(`SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ${size}`, [after ?? 0]),",
  "    key: (row) => row.id,",
  "    process: async (rows) => {",
  "      for (const row of rows) await ctx.sql('UPDATE items SET flag = 1 WHERE id = ?', [row.id]);",
  "      await new Promise((resolve) => setTimeout(resolve, 200));",
  "    },",
  "  });",
  "}",
  "",
].join("\n");

describeTargets("interrupting ctx.batch", targets, (target, test) => {
  const dialect = target.name;

  test("SIGINT between batches: logged and reported as an interruption, exit 130", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_items.sql", items);
    t.project.migration("002_backfill.ts", backfill);
    t.project.migration("003_after.sql", "CREATE TABLE after_backfill (id INTEGER);\n");
    const run = t.start(["up"]);
    await run.waitFor(/002_backfill: \d+\/40/);
    run.kill("SIGINT");
    const exit = await run.exited;

    expect(exit.code, exit.output).toBe(130);
    expect(exit.stdout).toMatch(/applying 002_backfill \.\.\. interrupted/);
    // MySQL's DDL is not transactional: the batches done stay, so 002 is dirty, neither pending nor applied
    expect(exit.stdout).toMatch(
      target.name === "mysql"
        ? /interrupted: 1 migration interrupted and is left dirty \(partly applied\), 1 applied, 1 still pending/
        : /interrupted: 1 migration interrupted, 1 applied, 2 still pending/,
    );
    expect(exit.stderr).toMatch(/migration 002_backfill was interrupted by SIGINT in ctx\.batch after \d+ of 40 rows/);
    expect(exit.output).not.toMatch(/fix the migration|failed at|batch interrupted/);
    expect(exit.output).not.toMatch(/internal error|    at /);

    // the log holds the attempt as an interruption
    const logged = await t.db.query<{ outcome: string; error: string | null }>("select outcome, error from stratum_log where version = '002'");
    expect(logged, JSON.stringify(logged)).toHaveLength(1);
    expect(logged[0]?.outcome).toBe("interrupted");
    expect(logged[0]?.error ?? "").toMatch(/interrupted by SIGINT in ctx\.batch/);
    const history = await t.cli(["history", "--version", "002"]);
    expect(history.stdout).toMatch(/002_backfill\s+interrupted/);

    const state = await readState(t.db, dialect);
    const done = await t.db.query<{ n: unknown }>("select count(*) as n from items where flag = 1");
    if (dialect === "mysql") {
      // no migration transaction: the batches done stay, and the row says it was interrupted
      expect(state.find((row) => row.version === "002")).toMatchObject({ state: "failed" });
      expect(state.find((row) => row.version === "002")?.error ?? "").toMatch(/interrupted by SIGINT/);
      expect(Number(done[0]?.n)).toBeGreaterThan(0);
      expect(Number(done[0]?.n)).toBeLessThan(ROWS);
      expect(exit.stderr).toMatch(/stratum resolve 002/);
      const resolved = await t.cli(["resolve", "002", "--rolled-back"]);
      expect(resolved.code, resolved.output).toBe(0);
    } else {
      // its transaction rolled back: nothing of it stays, and it is simply pending
      expect(state.map((row) => row.version)).toEqual(["001"]);
      expect(Number(done[0]?.n)).toBe(0);
      expect(exit.stderr).toMatch(/nothing of it was applied/);
    }
    expect(await t.db.tables()).not.toContain("after_backfill");
    const again = await t.cli(["up"]);
    expect(again.code, again.output).toBe(0);
    const all = await t.db.query<{ n: unknown }>("select count(*) as n from items where flag = 1");
    expect(Number(all[0]?.n)).toBe(ROWS);
  });
});

describeTargets("interrupting a code migration that waits on ctx.signal", targets, (target, test) => {
  const waits = [
    'import { setTimeout as sleep } from "node:timers/promises";',
    "export async function up(ctx) {",
    "  await ctx.sql('CREATE TABLE waited (id INTEGER)');",
    "  await sleep(20_000, undefined, { signal: ctx.signal });",
    "}",
    "",
  ].join("\n");

  test("SIGTERM while it waits: its AbortError is an interruption, logged as one, exit 143", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_a.sql", "CREATE TABLE a (id INTEGER);\n");
    t.project.migration("002_waits.ts", waits);
    const run = t.start(["up", "--json"]);
    await run.waitFor(/"type":"migration:start"[^\n]*"version":"002"/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.kill("SIGTERM");
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(143);
    expect(exit.stdout).toMatch(/"type":"migration:error"[^\n]*"code":"INTERRUPTED"[^\n]*migration 002_waits was interrupted by SIGTERM at 002_waits\.ts/);
    const logged = await t.db.query<{ outcome: string }>("select outcome from stratum_log where version = '002'");
    expect(logged.map((row) => row.outcome)).toEqual(["interrupted"]);
  });
});

describeTargets("interrupting ctx.batch on SQLite, whose driver never yields", [sqlite], (target, test) => {
  // 100 batches of 10 rows; each batch also counts through a CTE (tens of ms, in one synchronous
  // call), and nothing in it waits for a timer or I/O
  const busy = [
    "export async function up(ctx) {",
    "  await ctx.batch({",
    "    size: 10,",
    "    total: 1000,",
    "    fetch: (after, size) => ctx.sql(`SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ${size}`, [after ?? 0]),",
    "    key: (row) => row.id,",
    "    process: async (rows) => {",
    "      await ctx.sql('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT count(*) FROM c');",
    "      for (const row of rows) await ctx.sql('UPDATE items SET flag = 1 WHERE id = ?', [row.id]);",
    "    },",
    "  });",
    "}",
    "",
  ].join("\n");
  const thousand = [
    "CREATE TABLE items (id INTEGER PRIMARY KEY, flag INTEGER NOT NULL);",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO items (id, flag) SELECT x, 0 FROM c;",
    "",
  ].join("\n");

  test("SIGINT mid-backfill: it stops before the next batch, interrupted, nothing of it stays", async (ctx) => {
    const t = await fresh(target, [], ctx);
    t.project.migration("001_items.sql", thousand);
    t.project.migration("002_backfill.ts", busy);
    const run = t.start(["up"]);
    await run.waitFor(/002_backfill: \d+\/1,000/);
    run.kill("SIGINT");
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(130);
    expect(exit.stdout).toMatch(/applying 002_backfill \.\.\. interrupted/);
    expect(exit.stderr).toMatch(/migration 002_backfill was interrupted by SIGINT in ctx\.batch after \d+ of 1000 rows/);
    const state = await readState(t.db, "sqlite");
    expect(state.map((row) => row.version)).toEqual(["001"]);
    const done = await t.db.query<{ n: unknown }>("select count(*) as n from items where flag = 1");
    expect(Number(done[0]?.n)).toBe(0);
  });
});
