// stratumdb/testing compares schemas with the neutral model's diff: a down that forgets an object
// of any kind fails, and the message names the object by kind and qualified name.
import { afterEach, expect, it } from "vitest";
import { SchemaError } from "../../src/core/errors.js";
import { createMigrationTest, type MigrationTestKit } from "../../src/testing/index.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TargetName, type TestDb } from "../support/targets.js";

/** 001 builds what the cases need, reversibly; each case's 002 does `up` and a down that forgets it. */
const BASE: Record<TargetName, { up: string; down: string }> = {
  postgres: {
    up: "CREATE TABLE t (id integer);\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;",
    down: "DROP FUNCTION touch();\nDROP TABLE t;",
  },
  mysql: { up: "CREATE TABLE t (id int);", down: "DROP TABLE t;" },
  sqlite: { up: "CREATE TABLE t (id INTEGER);", down: "DROP TABLE t;" },
};

interface Case {
  readonly what: string;
  readonly up: string;
  /** The sentence the failure must contain. */
  readonly names: string;
  /** The down that undoes it, which must pass. */
  readonly down: string;
}

const CASES: Record<TargetName, readonly Case[]> = {
  postgres: [
    { what: "a function", up: "CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';", names: "added function public.f(integer)", down: "DROP FUNCTION f(integer);" },
    { what: "a view", up: "CREATE VIEW v AS SELECT id FROM t;", names: "added view public.v", down: "DROP VIEW v;" },
    { what: "a type", up: "CREATE TYPE mood AS ENUM ('sad', 'happy');", names: "added type public.mood", down: "DROP TYPE mood;" },
    {
      what: "a trigger",
      up: "CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();",
      names: "added trigger public.t.t_touch",
      down: "DROP TRIGGER t_touch ON t;",
    },
    { what: "a sequence", up: "CREATE SEQUENCE invoice_numbers;", names: "added sequence public.invoice_numbers", down: "DROP SEQUENCE invoice_numbers;" },
    { what: "an index", up: "CREATE INDEX t_id_idx ON t (id);", names: "added index public.t_id_idx", down: "DROP INDEX t_id_idx;" },
    {
      what: "a changed function body",
      up: "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.id := 1; RETURN NEW; END$$;",
      names: "changed function public.touch(): definition",
      down: "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;",
    },
  ],
  mysql: [
    { what: "a routine", up: "CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x + 1;", names: "added function f(int(11))", down: "DROP FUNCTION f;" },
    {
      what: "a trigger",
      up: "CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW SET NEW.id = COALESCE(NEW.id, 1);",
      names: "added trigger t_touch",
      down: "DROP TRIGGER t_touch;",
    },
  ],
  sqlite: [
    { what: "a view", up: "CREATE VIEW v AS SELECT id FROM t;", names: "added view v", down: "DROP VIEW v;" },
    {
      what: "a trigger",
      up: "CREATE TRIGGER t_touch AFTER INSERT ON t BEGIN UPDATE t SET id = 1 WHERE id IS NULL; END;",
      names: "added trigger t_touch",
      down: "DROP TRIGGER t_touch;",
    },
  ],
};

let kit: MigrationTestKit | undefined;
let project: Project | undefined;
let db: TestDb | undefined;
afterEach(async () => {
  await kit?.close();
  await db?.drop();
  project?.cleanup();
  kit = undefined;
  db = undefined;
  project = undefined;
});

const section = (up: string, down: string) => `-- migrate:up\n${up}\n-- migrate:down\n${down}\n`;

eachTarget([sqliteTarget(), await postgresTarget(), await mysqlTarget()], "stratumdb/testing with the schema model", (target) => {
  const base = BASE[target.name];
  for (const test of CASES[target.name]) {
    it(`on ${target.name}: a down that forgets ${test.what} fails naming it, the right down passes`, async () => {
      db = await target.createDatabase();
      project = makeProject({ "001_base.sql": section(base.up, base.down), "002_case.sql": section(test.up, "SELECT 1;") });
      kit = await createMigrationTest({ dir: project.migrations, url: db.url });
      await kit.migrateTo("001");
      const error = await kit.upDown("002").then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toContain("rolling back migration 002 does not restore the schema: ");
      expect((error as Error).message).toContain(test.names);

      // The same migration with the down that undoes it.
      await kit.migrator.up({ step: 1 }).catch(() => undefined);
      await kit.close();
      kit = undefined;
      await db.drop();
      db = await target.createDatabase();
      project.migration("002_case.sql", section(test.up, test.down));
      kit = await createMigrationTest({ dir: project.migrations, url: db.url });
      await kit.checkAllReversible();
    });
  }
});
