// Two tenants in two schemas of one PostgreSQL database (and two databases of one MariaDB server)
// are two targets with their own history tables and their own run locks: two `up`s at once, each
// through createMigratorFromConfig(configForTarget(...)), both apply — while two `up`s on one
// schema, with the same settings, collide on the lock. A tenant whose schema is missing is one
// clear sentence naming the target.

import { afterAll, describe, expect, it } from "vitest";

import { resolveConfig } from "../../src/config/load.js";
import type { ResolvedConfig } from "../../src/config/types.js";
import { ConfigError, LockTimeoutError } from "../../src/core/errors.js";
import { configForTarget, resolveTargets } from "../../src/fleet/targets.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, type Target, type TestDb } from "../support/targets.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Holds the run lock for SLOW_SECONDS, far longer than the lock timeout. */
const SLOW_SECONDS = 2;
const LOCK_TIMEOUT = "300ms";
// notes when it started (seconds since the epoch, by the server's clock), then sleeps
const SLOW: Readonly<Record<string, string>> = {
  postgres: `CREATE TABLE started AS SELECT extract(epoch FROM clock_timestamp())::float8 AS at;\nSELECT pg_sleep(${SLOW_SECONDS});`,
  mysql: `CREATE TABLE started AS SELECT UNIX_TIMESTAMP(NOW(6)) AS at;\nDO SLEEP(${SLOW_SECONDS});`,
};

async function setUp(target: Target, tenants: readonly string[]): Promise<{ db: TestDb; project: Project; config: ResolvedConfig }> {
  const db = await target.createDatabase();
  const project = makeProject();
  cleanups.push(() => project.cleanup(), () => db.drop());
  const isPostgres = target.name === "postgres";
  for (const tenant of tenants) {
    await db.query(isPostgres ? `CREATE SCHEMA ${tenant}` : `CREATE DATABASE ${tenant}`);
    if (!isPostgres) cleanups.push(() => db.query(`DROP DATABASE IF EXISTS ${tenant}`).then(() => undefined));
  }
  project.migration("001_slow.sql", `-- migrate:up\n${SLOW[target.name]}\nCREATE TABLE items (id INTEGER);\n-- migrate:down\nDROP TABLE items;\nDROP TABLE started;\n`);
  project.write(
    "stratum.config.json",
    JSON.stringify({ url: db.url, lockTimeout: LOCK_TIMEOUT, targets: tenants.map((tenant) => ({ name: tenant.replace(/_/g, "-"), schema: tenant })) }),
  );
  const config = await resolveConfig({ cwd: project.dir, flags: {}, environment: {} });
  return { db, project, config };
}

/** `up` on each config at once; what each ended with. */
async function upAtOnce(configs: readonly ResolvedConfig[]): Promise<{ outcomes: PromiseSettledResult<string[]>[] }> {
  const outcomes = await Promise.allSettled(
    configs.map(async (config) => {
      const migrator = createMigratorFromConfig(config);
      try {
        return (await migrator.up()).migrations.map((m) => m.version);
      } finally {
        await migrator.close();
      }
    }),
  );
  return { outcomes };
}

function suite(target: Target): void {
  it("two tenants migrate at once, each under its own lock, into its own history", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const tenants = [`tenant_${suffix}_a`, `tenant_${suffix}_b`];
    const { db, config } = await setUp(target, tenants);
    const fleet = await resolveTargets(config, { patterns: ["tenant-*"], all: false });
    expect(fleet).toHaveLength(2);
    const { outcomes } = await upAtOnce(fleet.map((tenant) => configForTarget(config, tenant)));
    // with one lock the second would give up after 300 ms while the first sleeps 2 s
    expect(outcomes).toEqual([
      { status: "fulfilled", value: ["001"] },
      { status: "fulfilled", value: ["001"] },
    ]);
    // they ran side by side: the second started while the first slept
    const starts: number[] = [];
    for (const tenant of tenants) {
      const [row] = await db.query<{ at: number | string }>(`SELECT at FROM ${tenant}.started`);
      starts.push(Number(row?.at));
    }
    expect(Math.abs((starts[0] ?? 0) - (starts[1] ?? Infinity))).toBeLessThan(SLOW_SECONDS);
    for (const tenant of tenants) {
      const history = await db.query<{ version: string }>(`SELECT version FROM ${tenant}.stratum_migrations`);
      expect(history.map((row) => String(row.version))).toEqual(["001"]);
      const items = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${tenant}.items`);
      expect(Number(items[0]?.n)).toBe(0);
    }
  }, 60_000);

  it("two runs on one tenant, with the same settings, do collide on the lock (the test can tell)", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const { config } = await setUp(target, [`tenant_${suffix}_c`]);
    const [tenant] = await resolveTargets(config, { patterns: [], all: true });
    const one = configForTarget(config, tenant!);
    const { outcomes } = await upAtOnce([one, one]);
    const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const rejected = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(LockTimeoutError);
  }, 60_000);
}

describe.concurrent("tenants of one server are separate targets", async () => {
  eachTarget([await postgresTarget(), await mysqlTarget()], "tenants at once", (target) => describe.concurrent(target.name, () => suite(target)));
});

describe("a tenant whose schema does not exist", async () => {
  const pg = await postgresTarget();
  eachTarget([pg], "a missing tenant schema", () => {
    it("is refused before anything runs, naming the schema, the target and the closest schema", async () => {
      const suffix = Math.random().toString(36).slice(2, 8);
      const { db, config } = await setUp(pg, [`tenant_${suffix}_a`]);
      const missing = { name: "acme", url: config.url, schema: `tenant_${suffix}_b` };
      const migrator = createMigratorFromConfig(configForTarget(config, missing));
      let error: unknown;
      try {
        await migrator.up();
      } catch (caught) {
        error = caught;
      } finally {
        await migrator.close();
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(
        `schema "tenant_${suffix}_b" (from target "acme") does not exist in ${db.url}; did you mean "tenant_${suffix}_a"?`,
      );
      expect((error as ConfigError).exitCode).toBe(2);
      const created = await db.query<{ n: number }>("SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = ?", [`tenant_${suffix}_b`]);
      expect(Number(created[0]?.n)).toBe(0);
    });
  });
});
