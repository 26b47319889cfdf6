// The baselines: the benchmark's SQL sent through the raw driver on one connection, with nothing
// else a migration tool does. Run as its own process, like the CLI, so both pay Node's start-up.
//
//   node bench/baseline/raw.mjs <sqlite|postgres|mysql> <url> <mode> [dir]
//
// modes
//   apply-each    every `-- migrate:up` section of dir/*.sql in its own transaction, plus one
//                 insert into bench_versions (the floor for one transaction per migration)
//   apply-single  the same in one transaction (the floor for --single-transaction)
//   down-each     reads bench_versions, then every down section (newest first) in its own
//                 transaction, plus one delete from bench_versions
//   query-state   one query of Stratum's state table, all rows (the floor for status / no-op up)
//
// The migrations are read from disk as a tool must; the SQL is split on `;` at line ends, which is
// enough for the generated files. MariaDB gets one statement per query (the driver's default has
// no multi-statement queries); PostgreSQL and SQLite get a section as one multi-statement text.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dialect, url, mode, dir] = process.argv.slice(2);

function readMigrations(directory) {
  return readdirSync(directory)
    .filter((name) => /^\d+_.+\.sql$/.test(name))
    .sort()
    .map((name) => {
      const text = readFileSync(join(directory, name), "utf8");
      const upAt = text.indexOf("-- migrate:up");
      const downAt = text.indexOf("-- migrate:down");
      const version = name.slice(0, name.indexOf("_"));
      return {
        version,
        name: name.slice(version.length + 1, -".sql".length),
        up: text.slice(upAt + "-- migrate:up".length, downAt).trim(),
        down: text.slice(downAt + "-- migrate:down".length).trim(),
      };
    });
}

function statementsOf(section) {
  return section
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

const VERSIONS_DDL = "create table if not exists bench_versions (version varchar(32) primary key, name varchar(200) not null)";

/** A minimal uniform session over the three drivers: exec (a section), run (one parameterised statement), all. */
async function connect() {
  if (dialect === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(url.replace(/^sqlite:(\/\/)?/, ""));
    return {
      exec: async (section) => void db.exec(section),
      run: async (sql, params) => void db.prepare(sql).run(...params),
      all: async (sql) => db.prepare(sql).all(),
      close: async () => db.close(),
    };
  }
  if (dialect === "postgres") {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const numbered = (sql) => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };
    return {
      exec: async (section) => void (await client.query(section)),
      run: async (sql, params) => void (await client.query(numbered(sql), params)),
      all: async (sql) => (await client.query(sql)).rows,
      close: async () => client.end(),
    };
  }
  if (dialect === "mysql") {
    const { default: mysql } = await import("mysql2/promise");
    const conn = await mysql.createConnection(url);
    return {
      exec: async (section) => {
        for (const statement of statementsOf(section)) await conn.query(statement);
      },
      run: async (sql, params) => void (await conn.query(sql, params)),
      all: async (sql) => (await conn.query(sql))[0],
      close: async () => conn.end(),
    };
  }
  throw new Error(`unknown dialect "${dialect}"`);
}

const db = await connect();
try {
  if (mode === "apply-each" || mode === "apply-single") {
    const migrations = readMigrations(dir);
    await db.exec(VERSIONS_DDL);
    const single = mode === "apply-single";
    if (single) await db.exec("begin");
    for (const m of migrations) {
      if (!single) await db.exec("begin");
      await db.exec(m.up);
      await db.run("insert into bench_versions (version, name) values (?, ?)", [m.version, m.name]);
      if (!single) await db.exec("commit");
    }
    if (single) await db.exec("commit");
  } else if (mode === "down-each") {
    const migrations = new Map(readMigrations(dir).map((m) => [m.version, m]));
    const applied = await db.all("select version from bench_versions order by version desc");
    for (const { version } of applied) {
      const m = migrations.get(version);
      if (m === undefined) throw new Error(`no file for applied version ${version}`);
      await db.exec("begin");
      await db.exec(m.down);
      await db.run("delete from bench_versions where version = ?", [version]);
      await db.exec("commit");
    }
  } else if (mode === "query-state") {
    const rows = await db.all("select * from stratum_migrations");
    if (rows.length === 0) throw new Error("the state table is empty");
  } else {
    throw new Error(`unknown mode "${mode}"`);
  }
} finally {
  await db.close();
}
