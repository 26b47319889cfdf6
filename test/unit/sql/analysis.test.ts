import { afterEach, describe, expect, it, vi } from "vitest";
import { findConflicts } from "../../../src/core/conflicts.js";
import type { StatementFacts } from "../../../src/core/sql-facts.js";
import { mixedTransactionProblem, transactionNeed, unterminatedProblem } from "../../../src/core/statement-checks.js";
import { refusedTransactionControl, sectionsOf } from "../../../src/core/transaction-control.js";
import type { DialectName, MigrationFile, SqlScript } from "../../../src/core/types.js";
import { forgetFacts } from "../../../src/sql/analysis/cache.js";
import { migrationTableUse, migrationTableUses, scriptFacts, type SqlDialect } from "../../../src/sql/analysis/index.js";
import { analysedTableUses, parsedTables, sqlOf, tokenTablesOf } from "../../support/sql-by-name.js";
import { sql } from "../conflicts/factories.js";
import { engine } from "../engine/harness.js";

/** A dialect's SQL whose analyser counts the texts it is given. */
function counting(inner: SqlDialect): { readonly sql: SqlDialect; readonly calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    calls,
    sql: {
      split: (text, options) => inner.split(text, options),
      analyse: (text, firstLine) => {
        calls.set(text, (calls.get(text) ?? 0) + 1);
        return inner.analyse(text, firstLine);
      },
    },
  };
}

/** A migration with up, down and verify sections, each a new SqlScript as discovery makes them. */
function withSections(id: string, up: string, down: string, verify: string, dependsOn: readonly string[] = []): MigrationFile {
  const base = sql(id, up, dependsOn);
  const file = `${id}.sql`;
  return { ...base, down: { file, text: down, startLine: 20 }, verify: { file, text: verify, startLine: 30 } };
}

describe("each SQL section is analysed once per run", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("plan, conflicts, preflight, lock capacity and the run read the same facts", () => {
    const { sql: counted, calls } = counting(sqlOf("sqlite"));
    const migrations = [
      withSections("001_users", "create table users (id int);", "drop table users;", "select 1 from users;"),
      withSections("002_email", "alter table users add email text;", "alter table users drop email;", "select email from users;", ["001"]),
      withSections("003_orders", "insert into users values (1);\nVACUUM;", "delete from users;", "select 2;", ["001"]),
    ];
    const facts = (script: SqlScript) => scriptFacts(counted, script);

    // plan: conflicts over every migration's up section
    const conflicts = findConflicts(migrations, migrationTableUses(migrations, facts), "graph");
    expect(conflicts.map((c) => c.versions)).toEqual([["002", "003"]]);
    // preflight: every section, before the lock and again under it
    for (let pass = 0; pass < 2; pass++) {
      for (const m of migrations) {
        for (const section of sectionsOf(m)) {
          const f = facts(section);
          expect(unterminatedProblem(m, section, f)).toBeNull();
          expect(refusedTransactionControl(m, section.file, f.statements, true)).toEqual([]);
        }
      }
    }
    // the non-transactional check and the lock estimate over the up sections
    const third = migrations[2] as MigrationFile;
    const need = transactionNeed("003_orders.sql", facts(third.up as SqlScript).statements);
    expect(need.kind === "mixed" ? mixedTransactionProblem(third, "up", need).files : []).toEqual(["003_orders.sql:3", "003_orders.sql:2"]);
    const objects = migrations.reduce((n, m) => n + migrationTableUse(m, facts(m.up as SqlScript)).creates.length, 0);
    expect(objects).toBe(1);
    // the run: the statements of each up
    for (const m of migrations) expect(facts(m.up as SqlScript).statements.length).toBeGreaterThan(0);

    const texts = migrations.flatMap((m) => sectionsOf(m).map((s) => s.text));
    expect([...calls.keys()].sort()).toEqual([...texts].sort());
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
  });

  it("the engine's table read goes through the same cache: a second read analyses nothing", async () => {
    for (const dialect of ["sqlite", "postgres", "mysql"] as const) {
      const analyse = vi.spyOn(sqlOf(dialect), "analyse");
      const migrations = [sql("001_a", "create table a (id int);"), sql("002_b", "insert into a values (1);")];
      const first = await analysedTableUses(migrations, dialect);
      const second = await analysedTableUses(migrations, dialect);
      expect(second).toEqual(first);
      expect(analyse).toHaveBeenCalledTimes(2);
      analyse.mockRestore();
    }
  });

  it("through the engine: up with graph ordering and one transaction analyses each section once", async () => {
    const t = engine(
      [
        { id: "001_users", up: "create table users (id int);", down: "drop table users;" },
        { id: "002_email", up: "alter table users add email text;", down: "alter table users drop email;", dependsOn: ["001"] },
        { id: "003_orders", up: "create table orders (id int);\ninsert into users values (1);", down: "drop table orders;", dependsOn: ["001"] },
      ],
      { config: { ordering: "graph", transaction: "all" } },
    );
    // the lock estimate reads every up section's tables too
    let capacityAsked = 0;
    Object.assign(t.dialect, {
      capabilities: { ...t.dialect.capabilities, lockCapacity: true },
      transactionLockCapacity: async () => (capacityAsked++, 1000),
    });
    const analyse = vi.spyOn(t.dialect.sql, "analyse");
    const report = await t.migrator.up();
    expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied", "applied"]);
    expect(capacityAsked).toBe(1);
    // plan (twice: before the lock and under it), conflicts, preflight, lock capacity and the run
    const texts = analyse.mock.calls.map(([text]) => text);
    const sections = (await t.source.list()).migrations.flatMap((m) => sectionsOf(m).map((s) => s.text));
    expect([...texts].sort()).toEqual([...sections].sort());
  });

  it("a run keeps the facts of what is still to run only: each migration's are dropped once it has run", async () => {
    const t = engine([
      { id: "001_users", up: "create table users (id int);", down: "drop table users;" },
      { id: "002_email", up: "alter table users add email text;", down: "alter table users drop email;" },
    ]);
    const analyse = vi.spyOn(t.dialect.sql, "analyse");
    const report = await t.migrator.up();
    expect(report.migrations.map((m) => m.status)).toEqual(["applied", "applied"]);
    // within the run, each section was analysed once
    const during = analyse.mock.calls.length;
    expect(new Set(analyse.mock.calls.map(([text]) => text)).size).toBe(during);
    // after it, reading an applied section's facts analyses it again: nothing was kept
    const [first] = (await t.source.list()).migrations;
    const up = first?.up as SqlScript;
    expect(scriptFacts(t.dialect.sql, up).statements.map((s) => s.text)).toEqual(["create table users (id int)"]);
    expect(analyse.mock.calls.length).toBe(during + 1);
    // and kept again until forgotten
    scriptFacts(t.dialect.sql, up);
    expect(analyse.mock.calls.length).toBe(during + 1);
    forgetFacts(up);
    scriptFacts(t.dialect.sql, up);
    expect(analyse.mock.calls.length).toBe(during + 2);
  });

  it("facts of another dialect for the same section are not mixed up", () => {
    const script: SqlScript = { file: "x.sql", text: "SET autocommit = 0;", startLine: 1 };
    expect(scriptFacts(sqlOf("mysql"), script).statements[0]?.transactionControl).toEqual({ statement: "SET autocommit = 0", breaks: "session" });
    expect(scriptFacts(sqlOf("sqlite"), script).statements[0]?.transactionControl).toBeNull();
  });
});

type Row = Pick<StatementFacts, "line" | "transactionControl" | "nonTransactionalReason"> & { readonly tables: Partial<StatementFacts["tables"]> };

const EMPTY = { creates: [], alters: [], drops: [], writes: [], reads: [] };

/** Per dialect: a script starting at line 3 of its file, its statements' facts, and what it leaves open. */
const CASES: readonly { dialect: DialectName; text: string; statements: readonly Row[]; unterminated: { kind: string; line: number } | null }[] = [
  {
    dialect: "sqlite",
    text: "BEGIN;\ncreate table a (id int);\n  VACUUM;\ninsert into a select * from b;\nROLLBACK TO sp;\n/* open",
    statements: [
      { line: 3, transactionControl: { statement: "BEGIN", breaks: "transaction" }, nonTransactionalReason: null, tables: {} },
      { line: 4, transactionControl: null, nonTransactionalReason: null, tables: { creates: ["a"] } },
      { line: 5, transactionControl: null, nonTransactionalReason: "VACUUM cannot run inside a transaction", tables: {} },
      { line: 6, transactionControl: null, nonTransactionalReason: null, tables: { writes: ["a"], reads: ["b"] } },
      { line: 7, transactionControl: null, nonTransactionalReason: null, tables: {} },
      { line: 8, transactionControl: null, nonTransactionalReason: null, tables: {} },
    ],
    unterminated: { kind: "block comment", line: 8 },
  },
  {
    dialect: "postgres",
    text: "create index concurrently i on t (c);\nCOMMIT AND CHAIN;\nwith x as (select * from src) insert into dst select * from x;\ndrop table old_t;\ndo $$ begin",
    statements: [
      { line: 3, transactionControl: null, nonTransactionalReason: "CREATE INDEX CONCURRENTLY cannot run inside a transaction block", tables: { alters: ["t"] } },
      { line: 4, transactionControl: { statement: "COMMIT AND CHAIN", breaks: "transaction" }, nonTransactionalReason: null, tables: {} },
      { line: 5, transactionControl: null, nonTransactionalReason: null, tables: { writes: ["dst"], reads: ["src"] } },
      { line: 6, transactionControl: null, nonTransactionalReason: null, tables: { drops: ["old_t"] } },
      { line: 7, transactionControl: null, nonTransactionalReason: null, tables: {} },
    ],
    unterminated: { kind: "dollar-quoted string", line: 7 },
  },
  {
    dialect: "mysql",
    text: "SET autocommit = 0;\nDELIMITER //\ncreate procedure p() begin select 1; end//\nDELIMITER ;\nupdate t set x = 1;\nSTART TRANSACTION;",
    statements: [
      { line: 3, transactionControl: { statement: "SET autocommit = 0", breaks: "session" }, nonTransactionalReason: null, tables: {} },
      { line: 5, transactionControl: null, nonTransactionalReason: null, tables: {} },
      { line: 7, transactionControl: null, nonTransactionalReason: null, tables: { writes: ["t"] } },
      { line: 8, transactionControl: null, nonTransactionalReason: null, tables: {} },
    ],
    unterminated: null,
  },
];

describe("facts per dialect", () => {
  it.each(CASES)("$dialect", async ({ dialect, text, statements, unterminated }) => {
    const sql = sqlOf(dialect);
    await sql.load?.();
    const facts = sql.analyse(text, 3);
    const rows = facts.statements.map((s) => ({
      line: s.line,
      transactionControl: s.transactionControl,
      nonTransactionalReason: s.nonTransactionalReason,
      tables: s.tables,
    }));
    expect(rows).toEqual(statements.map((s) => ({ ...s, tables: { ...EMPTY, ...s.tables } })));
    expect(facts.unterminated).toEqual(unterminated);
    // the script's tables are its statements', as the read of the whole text gives them
    const whole = dialect === "postgres" ? await parsedTables(text) : tokenTablesOf(dialect, text);
    expect(facts.tables).toEqual(whole);
  });

  it("numbers lines in the file, from the section's first line, through the cache", () => {
    const script: SqlScript = { file: "004_x.sql", text: "select 1;\n\nCOMMIT;\n'open", startLine: 12 };
    const migration = sql("004_x", script.text);
    const facts = scriptFacts(sqlOf("postgres"), script);
    expect(facts.statements.map((s) => s.line)).toEqual([12, 14, 15]);
    expect(unterminatedProblem(migration, script, facts)?.message).toBe("unterminated string literal starting at 004_x.sql:15");
    expect(refusedTransactionControl(migration, script.file, facts.statements, true).map((p) => p.files)).toEqual([["004_x.sql:14"]]);
  });
});
