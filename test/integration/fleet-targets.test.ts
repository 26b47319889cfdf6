// `targets: { query }` on a real control database of each dialect: the rows become the fleet, the
// control connection is opened once and closed before resolveTargets returns, and a bad query,
// missing columns, no rows and an unreachable server are each one sentence (passwords hidden).
// Under CI=true an unreachable test server fails the run (test/support/each-target.ts).

import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { resolveConfig } from "../../src/config/load.js";
import type { ResolvedConfig } from "../../src/config/types.js";
import { ConfigError, ConnectionError, StratumError } from "../../src/core/errors.js";
import { createDialect, type DialectTarget } from "../../src/dialects/create-dialect.js";
import type { Dialect } from "../../src/dialects/dialect.js";
import { configForTarget, resolveTargets } from "../../src/fleet/targets.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";

const ALL = { patterns: [], all: true } as const;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A project whose config sets `settings`; its resolved config. */
async function configIn(project: Project, settings: unknown): Promise<ResolvedConfig> {
  project.write("stratum.config.json", JSON.stringify(settings, null, 2));
  return resolveConfig({ cwd: project.dir, flags: {}, environment: {} });
}

/** An opener that counts the control connections opened and closed. */
function countingOpener(): { open: (target: DialectTarget) => Promise<Dialect>; opened: () => number; closed: () => number; disposed: () => number } {
  let opened = 0;
  let closed = 0;
  let disposed = 0;
  return {
    opened: () => opened,
    closed: () => closed,
    disposed: () => disposed,
    async open(target) {
      const dialect = await createDialect(target);
      return {
        ...dialect,
        async connect(options) {
          const connection = await dialect.connect(options);
          opened++;
          const close = connection.close.bind(connection);
          connection.close = async () => {
            closed++;
            await close();
          };
          return connection;
        },
        async dispose() {
          disposed++;
          await dialect.dispose();
        },
      };
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<StratumError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StratumError);
    return error as StratumError;
  }
  throw new Error("expected an error");
}

async function fresh(target: Target): Promise<{ db: TestDb; project: Project }> {
  const db = await target.createDatabase();
  const project = makeProject();
  cleanups.push(() => project.cleanup(), () => db.drop());
  return { db, project };
}

/** Each dialect's control table: what it holds and the query that reads it. */
const TABLE = "create table tenants (tenant_name varchar(40), db_url varchar(200), active integer)";

function suite(target: Target): void {
  it("reads the fleet from the query's rows, opening one control connection and closing it", async () => {
    const { db, project } = await fresh(target);
    await db.query(TABLE);
    await db.query("insert into tenants values ('acme', 'sqlite:./tenants/acme.db', 1), ('globex', 'sqlite:/data/globex.db', 1), ('gone', 'sqlite:gone.db', 0)");
    const config = await configIn(project, {
      url: db.url,
      targets: { query: "select tenant_name as name, db_url as url from tenants where active = 1 order by tenant_name" },
    });
    const counter = countingOpener();
    const fleet = await resolveTargets(config, ALL, { openDialect: counter.open });
    expect(fleet).toEqual([
      { name: "acme", url: `sqlite:${join(project.dir, "tenants", "acme.db")}` },
      { name: "globex", url: "sqlite:/data/globex.db" },
    ]);
    expect([counter.opened(), counter.closed(), counter.disposed()]).toEqual([1, 1, 1]);
    const chosen = await resolveTargets(config, { patterns: ["glob*"], all: false }, { openDialect: counter.open });
    expect(chosen.map((t) => t.name)).toEqual(["globex"]);
  });

  it("says what is wrong with a query that fails, and closes the connection", async () => {
    const { db, project } = await fresh(target);
    const config = await configIn(project, { url: db.url, targets: { query: "select url from no_such_tenants" } });
    const counter = countingOpener();
    const error = await rejection(resolveTargets(config, ALL, { openDialect: counter.open }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.split("\n")).toHaveLength(1);
    expect(error.message).toMatch(/^the targets query \("targets" in stratum\.config\.json\) failed on .+: .*no_such_tenants/);
    expect(error.fix).toBe("Correct the query; run it by hand on the control database to see what it returns.");
    expect(error.exitCode).toBe(2);
    expect([counter.opened(), counter.closed(), counter.disposed()]).toEqual([1, 1, 1]);
  });

  it("refuses rows without a url or schema column, and no rows", async () => {
    const { db, project } = await fresh(target);
    await db.query(TABLE);
    const empty = await configIn(project, { url: db.url, targets: { query: "select db_url as url from tenants" } });
    expect((await rejection(resolveTargets(empty, ALL))).message).toMatch(/^the targets query returned no rows \("targets" in stratum\.config\.json, run on /);
    await db.query("insert into tenants values ('acme', 'x', 1)");
    const columns = await configIn(project, { url: db.url, targets: { query: "select tenant_name, db_url from tenants" } });
    expect((await rejection(resolveTargets(columns, ALL))).message).toBe(
      'the targets query ("targets" in stratum.config.json) returned the columns tenant_name, db_url; it needs a url column (a database per target) or a schema column (a schema per tenant), and may add name',
    );
  });
}

describe.concurrent("targets from a control database", async () => {
  eachTarget([sqliteTarget(), await postgresTarget(), await mysqlTarget()], "the targets query", (target) => describe(target.name, () => suite(target)));
});

describe("targets from a control database: connection problems", () => {
  it("an unreachable control server is the connection error (exit 5), naming the query and the server", async () => {
    const project = makeProject();
    cleanups.push(() => project.cleanup());
    const config = await configIn(project, {
      url: "postgres://app:hunter2@127.0.0.1:1/app?connect_timeout=2",
      targets: { query: "select url from tenants" },
    });
    const error = await rejection(resolveTargets(config, ALL));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.exitCode).toBe(5);
    expect(error.message).toMatch(/^the control database of the targets query \("targets" in stratum\.config\.json\): /);
    expect(error.message).toContain("cannot connect to PostgreSQL at 127.0.0.1:1");
    expect(error.message).not.toContain("hunter2");
  });

  it("a control URL that does not parse names targets.url, the password hidden", async () => {
    const project = makeProject();
    cleanups.push(() => project.cleanup());
    const config = await configIn(project, { url: "sqlite:./app.db", targets: { query: "select 1 as url", url: "oracle://ops:hunter2@db/x" } });
    const error = await rejection(resolveTargets(config, ALL));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe("targets.url");
    expect(error.message).toMatch(/^the control database of the targets query \("targets" in stratum\.config\.json\): unsupported database URL "oracle:\/\/ops:\*\*\*@db\/x"/);
    expect(error.message).not.toContain("hunter2");
  });

  it("a SQLite control file that does not exist is not created; the query names it", async () => {
    const project = makeProject();
    cleanups.push(() => project.cleanup());
    const config = await configIn(project, { url: "sqlite:./app.db", targets: { query: "select url from tenants", url: "sqlite:./control.db" } });
    const error = await rejection(resolveTargets(config, ALL));
    // a missing file reads as an empty database (SQLite's read-only sessions create nothing)
    expect(error.message).toBe(`the targets query ("targets" in stratum.config.json) failed on sqlite:${join(project.dir, "control.db")}: no such table: tenants`);
    expect(existsSync(join(project.dir, "control.db"))).toBe(false);
  });

  it("an aborted signal stops before the control database is opened", async () => {
    const project = makeProject();
    cleanups.push(() => project.cleanup());
    const config = await configIn(project, { url: "sqlite:./app.db", targets: { query: "select url from tenants" } });
    const counter = countingOpener();
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(resolveTargets(config, ALL, { signal: controller.signal, openDialect: counter.open }));
    expect(error.code).toBe("INTERRUPTED");
    expect(counter.opened()).toBe(0);
  });
});

// A schema per tenant, from the query: PostgreSQL schemas of the config's database and MySQL
// databases of the config's server, each migrated on its own.
describe.concurrent("tenants named by the targets query", async () => {
  const pg = await postgresTarget();
  const my = await mysqlTarget();
  eachTarget([pg, my], "schemas per tenant from the query", (target) => {
    it(`${target.name}: each tenant is migrated where its schema says, with its own history`, async () => {
      const { db, project } = await fresh(target);
      const suffix = db.name.slice(-6);
      const tenants = [`t_${suffix}_a`, `t_${suffix}_b`];
      const isPostgres = target.name === "postgres";
      await db.query("create table tenants (schema_name varchar(64))");
      for (const tenant of tenants) {
        await db.query("insert into tenants values (?)", [tenant]);
        await db.query(isPostgres ? `create schema ${tenant}` : `create database ${tenant}`);
        if (!isPostgres) cleanups.push(() => db.query(`drop database if exists ${tenant}`).then(() => undefined));
      }
      project.migration("001_items.sql", "-- migrate:up\nCREATE TABLE items (id INTEGER);\n-- migrate:down\nDROP TABLE items;\n");
      const config = await configIn(project, { url: db.url, dir: "./migrations", targets: { query: "select schema_name as schema from tenants order by 1" } });
      const fleet = await resolveTargets(config, ALL);
      expect(fleet.map((t) => t.name)).toEqual(tenants);
      for (const tenant of fleet) {
        const tenantConfig = configForTarget(config, tenant);
        const migrator = createMigratorFromConfig(tenantConfig);
        try {
          expect((await migrator.up()).migrations.map((m) => m.version)).toEqual(["001"]);
        } finally {
          await migrator.close();
        }
      }
      for (const tenant of tenants) {
        const rows = await db.query<{ name: string }>(
          "select lower(table_name) as name from information_schema.tables where table_schema = ? order by 1",
          [tenant],
        );
        expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(["items", "stratum_migrations"]));
      }
      // nothing landed in the control database's own schema
      const own = await db.query<{ name: string }>(
        isPostgres
          ? "select table_name as name from information_schema.tables where table_schema = 'public'"
          : "select table_name as name from information_schema.tables where table_schema = database()",
      );
      expect(own.map((r) => r.name.toLowerCase())).toEqual(["tenants"]);
    });
  });
});

describe("targets from a control database: secrets", async () => {
  const pg = await postgresTarget();
  eachTarget([pg], "a password in the control URL", () => {
    it("is hidden in the message of a failing query (the test server trusts any password)", async () => {
      const { db, project } = await fresh(pg);
      const withPassword = db.url.replace("postgres://postgres@", "postgres://postgres:hunter2@");
      expect(withPassword).toContain("hunter2");
      const config = await configIn(project, { url: "sqlite:./app.db", targets: { query: "select url from no_such_tenants", url: withPassword } });
      const error = await rejection(resolveTargets(config, ALL));
      expect(error.message).toContain("failed on postgres://postgres:***@");
      expect(error.message).not.toContain("hunter2");
    });
  });
});
