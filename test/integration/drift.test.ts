// Drift (issue 13): the schema recorded after every run, compared with the live one. Each case
// works on a database of its own, on every dialect; changes made by hand are named object by object.
import { afterAll, describe, expect, it } from "vitest";
import type { MigratorEvent } from "../../src/core/events.js";
import { createMigrator } from "../../src/index.js";
import type { Migrator, MigratorOptions } from "../../src/api-types.js";
import { ValidationError } from "../../src/core/errors.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TargetName, type TestDb } from "../support/targets.js";

interface Kit {
  readonly db: TestDb;
  readonly project: Project;
  readonly migrator: Migrator;
  readonly warnings: string[];
}

/** 001 builds a table, an index, a view and a function (SQLite: a trigger); 002 a second table. */
const MIGRATIONS: Record<TargetName, Record<string, string>> = {
  postgres: {
    "001_base.sql":
      "-- migrate:up\nCREATE TABLE users (id integer PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\n" +
      "CREATE VIEW active_users AS SELECT id FROM users;\nCREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';\n" +
      "-- migrate:down\nDROP FUNCTION f(integer);\nDROP VIEW active_users;\nDROP TABLE users;\n",
    "002_orders.sql": "-- migrate:up\nCREATE TABLE orders (id integer);\n-- migrate:down\nDROP TABLE orders;\n",
  },
  mysql: {
    "001_base.sql":
      "-- migrate:up\nCREATE TABLE users (id int PRIMARY KEY, email varchar(100));\nCREATE INDEX users_email_idx ON users (email);\n" +
      "CREATE VIEW active_users AS SELECT id FROM users;\nCREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x;\n" +
      "-- migrate:down\nDROP FUNCTION f;\nDROP VIEW active_users;\nDROP TABLE users;\n",
    "002_orders.sql": "-- migrate:up\nCREATE TABLE orders (id int);\n-- migrate:down\nDROP TABLE orders;\n",
  },
  sqlite: {
    "001_base.sql":
      "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\nCREATE INDEX users_email_idx ON users (email);\n" +
      "CREATE VIEW active_users AS SELECT id FROM users;\n" +
      "CREATE TRIGGER users_touch AFTER INSERT ON users BEGIN SELECT 1; END;\n" +
      "-- migrate:down\nDROP TRIGGER users_touch;\nDROP VIEW active_users;\nDROP TABLE users;\n",
    "002_orders.sql": "-- migrate:up\nCREATE TABLE orders (id INTEGER);\n-- migrate:down\nDROP TABLE orders;\n",
  },
};

/** What is changed by hand, and the sentences that must name it. */
const BY_HAND: Record<TargetName, { readonly sql: readonly string[]; readonly sentences: readonly string[] }> = {
  postgres: {
    sql: [
      "ALTER TABLE users ADD COLUMN nickname text",
      "DROP INDEX users_email_idx",
      "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE id > 0",
      "CREATE OR REPLACE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x + 1'",
    ],
    sentences: [
      "column public.users.nickname was added outside migrations",
      "index public.users_email_idx was removed outside migrations",
      "view public.active_users: definition changed outside migrations",
      "function public.f(integer): definition changed outside migrations",
    ],
  },
  mysql: {
    sql: [
      "ALTER TABLE users ADD COLUMN nickname varchar(20)",
      "DROP INDEX users_email_idx ON users",
      "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE id > 0",
      "DROP FUNCTION f",
      "CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x + 1",
    ],
    sentences: [
      "column users.nickname was added outside migrations",
      "index users.users_email_idx was removed outside migrations",
      "view active_users: definition changed outside migrations",
      "function f(int(11)): definition changed outside migrations",
    ],
  },
  sqlite: {
    sql: [
      "ALTER TABLE users ADD COLUMN nickname TEXT",
      "DROP INDEX users_email_idx",
      "DROP VIEW active_users",
      "CREATE VIEW active_users AS SELECT id FROM users WHERE id > 0",
      "DROP TRIGGER users_touch",
      "CREATE TRIGGER users_touch AFTER INSERT ON users BEGIN SELECT 2; END",
    ],
    sentences: [
      "column users.nickname was added outside migrations",
      "index users_email_idx was removed outside migrations",
      "view active_users: definition changed outside migrations",
      "trigger users_touch: definition changed outside migrations",
    ],
  },
};

const ADD_COLUMN: Record<TargetName, { readonly sql: string; readonly sentence: string }> = {
  postgres: { sql: "ALTER TABLE users ADD COLUMN nickname text", sentence: "column public.users.nickname was added outside migrations" },
  mysql: { sql: "ALTER TABLE users ADD COLUMN nickname varchar(20)", sentence: "column users.nickname was added outside migrations" },
  sqlite: { sql: "ALTER TABLE users ADD COLUMN nickname TEXT", sentence: "column users.nickname was added outside migrations" },
};

const THIRD: Record<TargetName, string> = {
  postgres: "-- migrate:up\nCREATE TABLE items (id integer);\n-- migrate:down\nDROP TABLE items;\n",
  mysql: "-- migrate:up\nCREATE TABLE items (id int);\n-- migrate:down\nDROP TABLE items;\n",
  sqlite: "-- migrate:up\nCREATE TABLE items (id INTEGER);\n-- migrate:down\nDROP TABLE items;\n",
};

function suite(target: Target): void {
  const kits: Kit[] = [];
  afterAll(async () => {
    await Promise.all(kits.map(async (kit) => {
      await kit.migrator.close();
      await kit.db.drop();
      kit.project.cleanup();
    }));
  });

  const kit = async (options: MigratorOptions = {}, migrations = MIGRATIONS[target.name]): Promise<Kit> => {
    const db = await target.createDatabase();
    const project = makeProject(migrations);
    const migrator = createMigrator({ url: db.url, dir: project.migrations, cwd: project.dir, ...options });
    const warnings: string[] = [];
    migrator.on((event: MigratorEvent) => {
      if (event.type === "log" && event.level === "warn") warnings.push(event.message);
    });
    const made = { db, project, migrator, warnings };
    kits.push(made);
    return made;
  };
  const exec = async (db: TestDb, statements: readonly string[]) => {
    for (const sql of statements) await db.query(sql);
  };

  it.concurrent("reports nothing after clean up, down and redo runs", async () => {
    const { migrator } = await kit();
    await migrator.up();
    for (const step of [() => migrator.down(), () => migrator.redo(), () => migrator.up(), () => migrator.down({ all: true }), () => migrator.up()]) {
      await step();
      const report = await migrator.drift();
      expect(report).toMatchObject({ drifted: false, checked: true, against: "recorded", changes: [], sentences: [] });
      expect(report.recordedAt).not.toBeNull();
    }
  });

  it.concurrent("two runs at once record one snapshot, of the schema they left", async () => {
    const { migrator, db, project } = await kit();
    const other = createMigrator({ url: db.url, dir: project.migrations, cwd: project.dir });
    try {
      await Promise.all([migrator.up(), other.up()]);
      expect(await db.query("SELECT id FROM stratum_migrations_schema")).toEqual([{ id: "current" }]);
      expect(await Promise.all([migrator.drift(), other.drift()])).toMatchObject([{ drifted: false, checked: true }, { drifted: false, checked: true }]);
    } finally {
      await other.close();
    }
  });

  it.concurrent("names a column added, an index dropped, a view and a routine changed by hand", async () => {
    const { migrator, db } = await kit();
    await migrator.up();
    await exec(db, BY_HAND[target.name].sql);
    const report = await migrator.drift();
    expect(report.drifted).toBe(true);
    // a short definition is quoted after the sentence: `(was …, now …)`
    for (const sentence of BY_HAND[target.name].sentences) expect(report.sentences.filter((s) => s.startsWith(sentence))).toHaveLength(1);
    expect(report.changes.length).toBe(report.sentences.length);
  });

  it.concurrent("says there is nothing to compare with when no snapshot is recorded", async () => {
    const { migrator, db } = await kit();
    await migrator.up();
    await db.query("DROP TABLE stratum_migrations_schema");
    const report = await migrator.drift();
    expect(report).toMatchObject({ drifted: false, checked: false, recordedAt: null, changes: [] });
    expect(report.sentences).toHaveLength(1);
    expect(report.sentences[0]).toMatch(/^no schema snapshot is recorded for .*`stratum drift --replay`/);
    // and up does not check what it cannot: it runs, and records one
    const { warnings } = kits.find((k) => k.migrator === migrator)!;
    await migrator.down();
    expect(warnings).toEqual([]);
    expect((await migrator.drift()).checked).toBe(true);
  });

  it.concurrent("up warns of drift, runs, and the run records the new schema", async () => {
    const { migrator, db, project, warnings } = await kit();
    await migrator.up();
    await db.query(ADD_COLUMN[target.name].sql);
    project.migration("003_items.sql", THIRD[target.name]);
    const report = await migrator.up();
    expect(report.migrations.filter((m) => m.status === "applied").map((m) => m.version)).toEqual(["003"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the schema of .* was changed outside migrations since /);
    expect(warnings[0]).toContain(ADD_COLUMN[target.name].sentence);
    expect((await migrator.drift()).drifted).toBe(false);
  });

  it.concurrent("a no-op up does not check (nothing would run), even with --strict", async () => {
    const { migrator, db, warnings } = await kit();
    await migrator.up();
    await db.query(ADD_COLUMN[target.name].sql);
    expect((await migrator.up({ strict: true })).migrations).toEqual([]);
    expect(warnings).toEqual([]);
    expect((await migrator.drift()).drifted).toBe(true);
  });

  it.concurrent("up --strict and driftCheck \"error\" refuse before anything runs", async () => {
    for (const [options, strict] of [[{}, true], [{ driftCheck: "error" } as const, false]] as const) {
      const { migrator, db, project } = await kit(options);
      await migrator.up();
      await db.query(ADD_COLUMN[target.name].sql);
      project.migration("003_items.sql", THIRD[target.name]);
      const error = await migrator.up(strict ? { strict } : {}).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe("VALIDATION_FAILED");
      expect((error as ValidationError).problems.map((p) => p.code)).toEqual(["SCHEMA_DRIFT"]);
      expect((error as ValidationError).message).toContain(ADD_COLUMN[target.name].sentence);
      expect((await migrator.status()).migrations.find((m) => m.version === "003")?.state).toBe("pending");
      expect((await migrator.drift()).drifted).toBe(true);
    }
  });

  it.concurrent("driftCheck \"off\" skips the check", async () => {
    const { migrator, db, project, warnings } = await kit({ driftCheck: "off" });
    await migrator.up();
    await db.query(ADD_COLUMN[target.name].sql);
    project.migration("003_items.sql", THIRD[target.name]);
    expect((await migrator.up()).migrations.map((m) => [m.version, m.status])).toEqual([["003", "applied"]]);
    expect(warnings).toEqual([]);
  });

  it.concurrent("a 300-table schema is recorded and compared", async () => {
    const tables = Array.from({ length: 300 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    const up = tables
      .map((t) => `CREATE TABLE ${t} (id integer PRIMARY KEY, name varchar(100) NOT NULL, note varchar(200), amount integer DEFAULT 0);\nCREATE INDEX ${t}_name_idx ON ${t} (name);`)
      .join("\n");
    const down = tables.map((t) => `DROP TABLE ${t};`).join("\n");
    const { migrator, db } = await kit({}, { "001_many.sql": `-- migrate:up\n${up}\n-- migrate:down\n${down}\n` });
    await migrator.up();
    const [row] = await db.query<{ encoding: string; size: number | string }>("SELECT encoding, length(snapshot) AS size FROM stratum_migrations_schema");
    expect(row?.encoding).toBe("gzip-base64");
    expect((await migrator.drift()).drifted).toBe(false);
    await db.query(target.name === "postgres" ? "ALTER TABLE t150 ADD COLUMN extra text" : "ALTER TABLE t150 ADD COLUMN extra varchar(10)");
    const report = await migrator.drift();
    expect(report.sentences).toContain(target.name === "postgres" ? "column public.t150.extra was added outside migrations" : "column t150.extra was added outside migrations");
    // SQLite also keeps the table's CREATE text, which changed with it
    expect(report.changes.every((c) => c.name.includes("t150"))).toBe(true);
  }, 240_000); // 300 tables created, introspected and compared on a busy server
}

describe.concurrent("drift", async () => {
  eachTarget([sqliteTarget(), await postgresTarget(), await mysqlTarget()], "drift", (target) => describe.concurrent(target.name, () => suite(target)));
});

describe.concurrent("drift --replay on SQLite", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it.concurrent("compares with the applied migrations replayed on a shadow", async () => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject(MIGRATIONS.sqlite);
    const migrator = createMigrator({ url: db.url, dir: project.migrations, cwd: project.dir });
    cleanups.push(async () => {
      await migrator.close();
      await db.drop();
      project.cleanup();
    });
    await migrator.up({ to: "001" });
    const report = await migrator.drift({ replay: true });
    expect(report).toMatchObject({ drifted: false, checked: true, against: "replay", recordedAt: null, changes: [] });
    expect(report.shadow?.description).toBeTruthy();
    await db.query("CREATE INDEX users_id_email ON users (id, email)");
    await db.query("DROP VIEW active_users");
    const drifted = await migrator.drift({ replay: true });
    expect(drifted.drifted).toBe(true);
    expect(drifted.sentences).toEqual(["view active_users was removed outside migrations", "index users_id_email was added outside migrations"]);
  });
});

describe.concurrent("drift on PostgreSQL with a configured schema", async () => {
  const pg = await postgresTarget();
  eachTarget([pg], "drift in a configured schema", () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    it.concurrent("keeps the snapshot beside the history tables in that schema and names objects in it", async () => {
      const db = await pg.createDatabase();
      const project = makeProject({ "001_users.sql": "-- migrate:up\nCREATE TABLE users (id integer PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n" });
      await db.query("CREATE SCHEMA app");
      const migrator = createMigrator({ url: db.url, dir: project.migrations, cwd: project.dir, schema: "app", table: "Schema Versions" });
      cleanups.push(async () => {
        await migrator.close();
        await db.drop();
        project.cleanup();
      });
      await migrator.up();
      const stored = await db.query<{ schema: string; name: string }>(
        "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_name = 'Schema Versions_schema'",
      );
      expect(stored).toEqual([{ schema: "app", name: "Schema Versions_schema" }]);
      expect((await migrator.drift()).drifted).toBe(false);
      await db.query("ALTER TABLE app.users ADD COLUMN nickname text");
      expect((await migrator.drift()).sentences).toEqual(["column app.users.nickname was added outside migrations"]);
    });
  });
});
