import { describe, expect, it } from "vitest";
import {
  conflictPairs,
  findConflicts,
  NO_TABLES,
  type TableUse,
} from "../../../src/core/conflicts.js";
import type { DialectName, MigrationFile, Ordering, Problem } from "../../../src/core/types.js";
import { analysedTableUses, parsedTableUse, tokenTableUse, tokenTableUses } from "../../support/sql-by-name.js";
import { code, sql, use } from "./factories.js";

describe("migrationTableUse over the token read", () => {
  const cases: readonly {
    readonly name: string;
    readonly migration: MigrationFile;
    readonly dialect: DialectName;
    readonly expected: TableUse;
  }[] = [
    {
      name: "PostgreSQL: ALTER TABLE alters",
      migration: sql("002_add_email", "ALTER TABLE users ADD COLUMN email text;"),
      dialect: "postgres",
      expected: use({ alters: ["users"] }),
    },
    {
      name: "SQLite: CREATE TABLE with a foreign key creates one table and reads the other",
      migration: sql("003_orders", "CREATE TABLE orders (id integer primary key, user_id integer REFERENCES users(id));"),
      dialect: "sqlite",
      expected: use({ creates: ["orders"], reads: ["users"] }),
    },
    {
      name: "MySQL: a backfill writes one table and reads another",
      migration: sql("004_backfill", "UPDATE `Users` SET plan = 'free';\nINSERT INTO audit SELECT id FROM accounts;"),
      dialect: "mysql",
      expected: use({ writes: ["users", "audit"], reads: ["accounts"] }),
    },
    {
      name: "DROP TABLE drops",
      migration: sql("005_drop_legacy", "DROP TABLE IF EXISTS legacy;"),
      dialect: "postgres",
      expected: use({ drops: ["legacy"] }),
    },
    {
      name: "an SQL migration without an up section touches nothing",
      migration: sql("006_nothing", null),
      dialect: "sqlite",
      expected: NO_TABLES,
    },
    {
      name: "a code migration's declared tables count as altered, lower-cased, once each",
      migration: code("007_backfill", ["Users", "orders", "users", " "]),
      dialect: "postgres",
      expected: use({ alters: ["users", "orders"] }),
    },
    {
      name: "a code migration that declares nothing touches nothing",
      migration: code("008_script"),
      dialect: "mysql",
      expected: NO_TABLES,
    },
  ];
  it.each(cases)("$name", ({ migration, dialect, expected }) => {
    expect(tokenTableUse(migration, dialect)).toEqual(expected);
  });

  it("keys every migration's use by version", () => {
    const uses = tokenTableUses([sql("001_a", "create table a (id int);"), code("002_b", ["a"])], "sqlite");
    expect([...uses.keys()]).toEqual(["001", "002"]);
    expect(uses.get("002")).toEqual(use({ alters: ["a"] }));
  });
});

describe("migrationTableUse over PostgreSQL's parser", () => {
  const cases: readonly { readonly name: string; readonly migration: MigrationFile; readonly expected: TableUse }[] = [
    {
      name: "ALTER TABLE alters; a schema-qualified name keeps its schema",
      migration: sql("002_add_email", "ALTER TABLE app.Users ADD COLUMN email text;"),
      expected: use({ alters: ["app.users"] }),
    },
    {
      name: "a CTE is not a table; the tables it reads are",
      migration: sql(
        "003_backfill",
        "WITH recent AS (SELECT id FROM accounts) UPDATE users SET active = true WHERE id IN (SELECT id FROM recent);",
      ),
      expected: use({ writes: ["users"], reads: ["accounts"] }),
    },
    {
      name: "a statement the parser rejects is read by the lexer",
      migration: sql("004_odd", "ALTER TABLE users ADD COLUMN c int;\nDROP TABLE legacy, ;"),
      expected: use({ alters: ["users"], drops: ["legacy"] }),
    },
    { name: "no up section", migration: sql("005_empty", null), expected: NO_TABLES },
    { name: "a code migration: its declared tables", migration: code("006_code", ["Orders"]), expected: use({ alters: ["orders"] }) },
  ];
  it.each(cases)("$name", async ({ migration, expected }) => {
    expect(await parsedTableUse(migration)).toEqual(expected);
  });

  it("the engine's read uses the parser for PostgreSQL and the lexer elsewhere, keyed by version", async () => {
    const migrations = [sql("001_a", "create table a (id int);"), code("002_b", ["a"])];
    const expected = new Map([
      ["001", use({ creates: ["a"] })],
      ["002", use({ alters: ["a"] })],
    ]);
    expect(await analysedTableUses(migrations, "postgres")).toEqual(expected);
    expect(await analysedTableUses(migrations, "mysql")).toEqual(expected);
  });
});

/** A conflict as findConflicts reports it, for expectations. */
function conflict(
  message: string,
  files: readonly [string, string],
  fix: string,
  versions: readonly [string, string],
  table: string,
): Problem & { table: string } {
  return { code: "CONFLICT", message, files, fix, severity: "warning", versions, table };
}

describe("findConflicts", () => {
  const cases: readonly {
    readonly name: string;
    readonly migrations: readonly MigrationFile[];
    readonly uses?: Readonly<Record<string, TableUse>>;
    readonly ordering?: Ordering;
    readonly expected: readonly Problem[];
  }[] = [
    {
      name: "linear mode: every pair is ordered, so nothing",
      ordering: "linear",
      migrations: [sql("001_users", "create table users (id int);"), sql("002_add_email", "alter table users add email text;"), sql("003_add_phone", "alter table users add phone text;")],
      expected: [],
    },
    {
      name: "an unrelated pair altering the same table: a warning naming both files and the table",
      migrations: [
        sql("001_users", "create table users (id int);"),
        sql("002_add_email", "alter table users add email text;", ["001"]),
        sql("003_add_phone", "alter table users add phone text;", ["001"]),
      ],
      expected: [
        conflict(
          "002_add_email.sql and 003_add_phone.sql both alter table users, and neither depends on the other.",
          ["002_add_email.sql", "003_add_phone.sql"],
          "Declare a dependency (-- stratum:depends 002 in 003_add_phone.sql) so they run in a known order.",
          ["002", "003"],
          "users",
        ),
      ],
    },
    {
      name: "a direct dependency orders the pair",
      migrations: [sql("002_add_email", "alter table users add email text;"), sql("003_add_phone", "alter table users add phone text;", ["002"])],
      expected: [],
    },
    {
      name: "a transitive dependency orders the pair",
      migrations: [
        sql("002_add_email", "alter table users add email text;"),
        sql("003_orders", "create table orders (id int);", ["002"]),
        sql("004_more", "create table more (id int);", ["003_orders"]),
        sql("005_add_phone", "alter table users add phone text;", ["004"]),
      ],
      expected: [],
    },
    {
      name: "a dependency on a later version orders the pair too (graph mode)",
      migrations: [sql("002_add_email", "alter table users add email text;", ["003"]), sql("003_add_phone", "alter table users add phone text;")],
      expected: [],
    },
    {
      name: "two readers do not conflict",
      migrations: [
        sql("002_report", "create view report as select count(*) from users;"),
        sql("003_stats", "insert into stats select id from users;"),
      ],
      expected: [],
    },
    {
      name: "a creator and a reader: the reader should depend on the creator, even when it is older",
      migrations: [sql("002_stats", "insert into stats select id from users;"), sql("003_users", "create table users (id int);")],
      expected: [
        conflict(
          "002_stats.sql reads table users and 003_users.sql creates it, and neither depends on the other.",
          ["002_stats.sql", "003_users.sql"],
          "Declare a dependency (-- stratum:depends 003 in 002_stats.sql) so they run in a known order.",
          ["002", "003"],
          "users",
        ),
      ],
    },
    {
      name: "a dropper should run last",
      migrations: [sql("002_drop", "drop table legacy;"), sql("003_copy", "insert into archive select * from legacy;")],
      expected: [
        conflict(
          "002_drop.sql drops table legacy and 003_copy.sql reads it, and neither depends on the other.",
          ["002_drop.sql", "003_copy.sql"],
          "Declare a dependency (-- stratum:depends 003 in 002_drop.sql) so they run in a known order.",
          ["002", "003"],
          "legacy",
        ),
      ],
    },
    {
      name: "a code migration's declared tables conflict with SQL; the fix names dependsOn",
      migrations: [sql("002_add_email", "alter table users add email text;"), code("003_backfill", ["users"])],
      expected: [
        conflict(
          "002_add_email.sql and 003_backfill.ts both alter table users, and neither depends on the other.",
          ["002_add_email.sql", "003_backfill.ts"],
          'Declare a dependency (dependsOn: ["002"] in 003_backfill.ts) so they run in a known order.',
          ["002", "003"],
          "users",
        ),
      ],
    },
    {
      name: "a code migration that declares no tables conflicts with nothing",
      migrations: [sql("002_add_email", "alter table users add email text;"), code("003_backfill")],
      expected: [],
    },
    {
      name: "one problem per pair and table, sorted by versions then table",
      migrations: [
        sql("001_a", "update users set x = 1; update orders set y = 2;"),
        sql("002_b", "delete from orders; delete from users;"),
        sql("003_c", "update orders set z = 3;", ["002"]),
      ],
      expected: [
        conflict(
          "001_a.sql and 002_b.sql both write to table orders, and neither depends on the other.",
          ["001_a.sql", "002_b.sql"],
          "Declare a dependency (-- stratum:depends 001 in 002_b.sql) so they run in a known order.",
          ["001", "002"],
          "orders",
        ),
        conflict(
          "001_a.sql and 002_b.sql both write to table users, and neither depends on the other.",
          ["001_a.sql", "002_b.sql"],
          "Declare a dependency (-- stratum:depends 001 in 002_b.sql) so they run in a known order.",
          ["001", "002"],
          "users",
        ),
        conflict(
          "001_a.sql and 003_c.sql both write to table orders, and neither depends on the other.",
          ["001_a.sql", "003_c.sql"],
          "Declare a dependency (-- stratum:depends 001 in 003_c.sql) so they run in a known order.",
          ["001", "003"],
          "orders",
        ),
      ],
    },
    {
      name: "the strongest use describes a migration (alter beats read)",
      migrations: [sql("002_a", "alter table t add c int; select * from t;"), sql("003_b", "select * from t;")],
      expected: [
        conflict(
          "002_a.sql alters table t and 003_b.sql reads it, and neither depends on the other.",
          ["002_a.sql", "003_b.sql"],
          "Declare a dependency (-- stratum:depends 002 in 003_b.sql) so they run in a known order.",
          ["002", "003"],
          "t",
        ),
      ],
    },
    {
      name: "a cycle does not hang; its members are not reported against each other",
      migrations: [
        sql("002_a", "alter table t add a int;", ["003"]),
        sql("003_b", "alter table t add b int;", ["002"]),
        sql("004_c", "alter table t add c int;", ["003"]),
      ],
      expected: [],
    },
    {
      name: "migrations sharing a version (a DUPLICATE_VERSION error) are not paired",
      migrations: [sql("002_a", "alter table t add a int;"), sql("002_b", "alter table t add b int;")],
      expected: [],
    },
    {
      name: "a migration without a use in the map touches nothing",
      migrations: [sql("002_a", "alter table t add a int;"), sql("003_b", "alter table t add b int;")],
      uses: { "002": use({ alters: ["t"] }) },
      expected: [],
    },
    {
      name: "schema-qualified names are distinct tables",
      migrations: [sql("002_a", "alter table app.users add a int;"), sql("003_b", "alter table audit.users add b int;")],
      expected: [],
    },
  ];
  it.each(cases)("$name", ({ migrations, uses, ordering, expected }) => {
    const map = uses === undefined ? tokenTableUses(migrations, "postgres") : new Map(Object.entries(uses));
    expect(findConflicts(migrations, map, ordering ?? "graph")).toEqual(expected);
  });

  it("a reader and a writer reached only through a cycle's other member are ordered", () => {
    // 004 depends on the cycle {002, 003}; 002 writes t, 004 reads t: 004 runs after 002.
    const migrations = [
      sql("002_a", "insert into t values (1);", ["003"]),
      sql("003_b", "select 1;", ["002"]),
      sql("004_c", "select * from t;", ["003"]),
      sql("005_d", "select * from t;"),
    ];
    const problems = findConflicts(migrations, tokenTableUses(migrations, "sqlite"), "graph");
    expect(problems.map((p) => p.versions)).toEqual([["002", "005"]]);
  });
});

describe("conflictPairs", () => {
  it("maps each version to the versions it conflicts with, both ways, ignoring other problems", () => {
    const migrations = [
      sql("001_a", "alter table t add a int;"),
      sql("002_b", "alter table t add b int;"),
      sql("003_c", "alter table u add c int;"),
      sql("004_d", "update u set c = 1;"),
    ];
    const problems: Problem[] = [
      ...findConflicts(migrations, tokenTableUses(migrations, "postgres"), "graph"),
      { code: "DEPENDENCY_CYCLE", message: "x", files: [], fix: "y", severity: "error", versions: ["001", "003"] },
      { code: "CONFLICT", message: "no versions", files: [], fix: "", severity: "warning" },
    ];
    const pairs = conflictPairs(problems);
    expect(Object.fromEntries([...pairs].map(([v, set]) => [v, [...set].sort()]))).toEqual({
      "001": ["002"],
      "002": ["001"],
      "003": ["004"],
      "004": ["003"],
    });
  });

  it("is empty without conflicts", () => {
    expect(conflictPairs([]).size).toBe(0);
  });
});
