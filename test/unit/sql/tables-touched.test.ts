import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { DialectName } from "../../../src/core/types.js";
import type { TableUse as TablesTouched } from "../../../src/core/sql-facts.js";
import { parsedTables, tokenTablesOf } from "../../support/sql-by-name.js";
import { generateScripts } from "./generate-scripts.js";

type Expected = Partial<TablesTouched>;
interface Case {
  readonly name: string;
  readonly dialects: readonly DialectName[];
  readonly sql: string;
  readonly expected: Expected;
}

const ALL: readonly DialectName[] = ["sqlite", "postgres", "mysql"];
const PG: readonly DialectName[] = ["postgres"];
const MY: readonly DialectName[] = ["mysql"];
const LITE: readonly DialectName[] = ["sqlite"];

const CASES: readonly Case[] = [
  { name: "create table", dialects: ALL, sql: "CREATE TABLE users (id int PRIMARY KEY)", expected: { creates: ["users"] } },
  { name: "create table if not exists, qualified", dialects: ALL, sql: "create table if not exists App.Users (id int)", expected: { creates: ["app.users"] } },
  { name: "quoted names are unquoted and lower-cased", dialects: ["sqlite", "postgres"], sql: 'CREATE TABLE "Sales"."Order Lines" (id int)', expected: { creates: ["sales.order lines"] } },
  { name: "backtick names", dialects: MY, sql: "CREATE TABLE `shop`.`Orders` (id INT)", expected: { creates: ["shop.orders"] } },
  { name: "bracket names", dialects: LITE, sql: "CREATE TABLE [Order Lines] (id)", expected: { creates: ["order lines"] } },
  { name: "temporary and unlogged tables", dialects: PG, sql: "CREATE TEMP TABLE a (x int); CREATE UNLOGGED TABLE b (x int)", expected: { creates: ["a", "b"] } },
  { name: "foreign keys read the referenced table", dialects: ALL, sql: "CREATE TABLE orders (id int, user_id int REFERENCES users (id))", expected: { creates: ["orders"], reads: ["users"] } },
  { name: "create table as select", dialects: ALL, sql: "CREATE TABLE archive AS SELECT * FROM orders WHERE old", expected: { creates: ["archive"], reads: ["orders"] } },
  { name: "create table like (MySQL)", dialects: MY, sql: "CREATE TABLE b LIKE a", expected: { creates: ["b"], reads: ["a"] } },
  { name: "partition of", dialects: PG, sql: "CREATE TABLE m1 PARTITION OF measurements FOR VALUES FROM (1) TO (2)", expected: { creates: ["m1"], reads: ["measurements"] } },
  { name: "create index alters its table", dialects: ALL, sql: "CREATE INDEX users_email ON users (email)", expected: { alters: ["users"] } },
  { name: "create unique index concurrently", dialects: PG, sql: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY public.users USING btree (lower(email))", expected: { alters: ["public.users"] } },
  { name: "create index without a name", dialects: PG, sql: "CREATE INDEX ON users (email)", expected: { alters: ["users"] } },
  { name: "create index in a schema (SQLite)", dialects: LITE, sql: "CREATE INDEX IF NOT EXISTS main.i ON users (email)", expected: { alters: ["users"] } },
  { name: "create view reads its query's tables", dialects: ALL, sql: "CREATE VIEW active AS SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id", expected: { creates: ["active"], reads: ["users", "orders"] } },
  { name: "create or replace materialized view", dialects: PG, sql: "CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT sum(x) FROM sales", expected: { creates: ["totals"], reads: ["sales"] } },
  { name: "MySQL view options", dialects: MY, sql: "CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW v AS SELECT * FROM t", expected: { creates: ["v"], reads: ["t"] } },
  { name: "alter table", dialects: ALL, sql: "ALTER TABLE users ADD COLUMN age int", expected: { alters: ["users"] } },
  { name: "alter table if exists only", dialects: PG, sql: "ALTER TABLE IF EXISTS ONLY s.users DROP COLUMN age", expected: { alters: ["s.users"] } },
  { name: "alter table adding a foreign key", dialects: ALL, sql: "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)", expected: { alters: ["orders"], reads: ["users"] } },
  { name: "rename a table", dialects: ALL, sql: "ALTER TABLE old_name RENAME TO new_name", expected: { alters: ["old_name"], creates: ["new_name"] } },
  { name: "rename a column is not a new table", dialects: ALL, sql: "ALTER TABLE users RENAME COLUMN a TO b", expected: { alters: ["users"] } },
  { name: "RENAME TABLE (MySQL)", dialects: MY, sql: "RENAME TABLE a TO b, c TO d", expected: { alters: ["a", "c"], creates: ["b", "d"] } },
  { name: "drop tables", dialects: ALL, sql: "DROP TABLE IF EXISTS a, b", expected: { drops: ["a", "b"] } },
  { name: "drop table cascade, view", dialects: PG, sql: "DROP TABLE s.a CASCADE; DROP VIEW v; DROP MATERIALIZED VIEW mv", expected: { drops: ["s.a", "v", "mv"] } },
  { name: "drop index on (MySQL)", dialects: MY, sql: "DROP INDEX i ON users", expected: { alters: ["users"] } },
  { name: "drop index (PostgreSQL) names no table", dialects: PG, sql: "DROP INDEX CONCURRENTLY IF EXISTS i", expected: {} },
  { name: "drop trigger on (PostgreSQL)", dialects: PG, sql: "DROP TRIGGER IF EXISTS t_touch ON users", expected: { alters: ["users"] } },
  { name: "insert", dialects: ALL, sql: "INSERT INTO users (id) VALUES (1)", expected: { writes: ["users"] } },
  { name: "insert select", dialects: ALL, sql: "INSERT INTO archive SELECT * FROM orders", expected: { writes: ["archive"], reads: ["orders"] } },
  { name: "insert or replace (SQLite)", dialects: LITE, sql: "INSERT OR REPLACE INTO kv (k, v) VALUES ('a', 1)", expected: { writes: ["kv"] } },
  { name: "replace into (MySQL)", dialects: MY, sql: "REPLACE INTO kv (k, v) VALUES ('a', 1)", expected: { writes: ["kv"] } },
  { name: "insert ignore without into (MySQL)", dialects: MY, sql: "INSERT IGNORE kv VALUES (1)", expected: { writes: ["kv"] } },
  { name: "upsert does not write a table named SET", dialects: ["sqlite", "postgres"], sql: "INSERT INTO kv (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET v = excluded.v", expected: { writes: ["kv"] } },
  { name: "on duplicate key update", dialects: MY, sql: "INSERT INTO kv (k) VALUES (1) ON DUPLICATE KEY UPDATE v = v + 1", expected: { writes: ["kv"] } },
  { name: "update", dialects: ALL, sql: "UPDATE users SET name = 'x' WHERE id IN (SELECT user_id FROM bans)", expected: { writes: ["users"], reads: ["bans"] } },
  { name: "update from", dialects: PG, sql: "UPDATE ONLY users AS u SET n = o.n FROM orders o WHERE o.id = u.id", expected: { writes: ["users"], reads: ["orders"] } },
  { name: "delete", dialects: ALL, sql: "DELETE FROM sessions WHERE expires < 0", expected: { writes: ["sessions"] } },
  { name: "delete using", dialects: PG, sql: "DELETE FROM a USING b WHERE a.id = b.id", expected: { writes: ["a"], reads: ["b"] } },
  { name: "multi-table delete (MySQL)", dialects: MY, sql: "DELETE t1 FROM t1 INNER JOIN t2 ON t1.id = t2.id", expected: { writes: ["t1"], reads: ["t1", "t2"] } },
  { name: "truncate", dialects: ["postgres", "mysql"], sql: "TRUNCATE TABLE a", expected: { writes: ["a"] } },
  { name: "truncate several", dialects: PG, sql: "TRUNCATE a, s.b RESTART IDENTITY CASCADE", expected: { writes: ["a", "s.b"] } },
  { name: "select with joins and a comma list", dialects: ALL, sql: "SELECT * FROM a, b AS bee, c cee LEFT JOIN d ON true CROSS JOIN e", expected: { reads: ["a", "b", "c", "d", "e"] } },
  { name: "function calls in FROM are not tables", dialects: PG, sql: "SELECT * FROM generate_series(1, 3) AS g, unnest(ARRAY[1]) AS u", expected: {} },
  { name: "FROM inside EXTRACT and SUBSTRING is not a table", dialects: PG, sql: "SELECT EXTRACT(YEAR FROM created), substring(name FROM 2) FROM events", expected: { reads: ["events"] } },
  { name: "IS DISTINCT FROM", dialects: PG, sql: "SELECT 1 FROM a WHERE x IS DISTINCT FROM y", expected: { reads: ["a"] } },
  { name: "CTE names are not tables", dialects: ALL, sql: "WITH recent AS (SELECT * FROM orders), top (id) AS (SELECT id FROM recent) SELECT * FROM top JOIN users ON true", expected: { reads: ["orders", "users"] } },
  { name: "writing CTE", dialects: PG, sql: "WITH moved AS (DELETE FROM queue RETURNING *) INSERT INTO done SELECT * FROM moved", expected: { writes: ["queue", "done"] } },
  { name: "subqueries everywhere", dialects: ALL, sql: "SELECT (SELECT max(x) FROM m) FROM a WHERE EXISTS (SELECT 1 FROM b) AND id IN (SELECT id FROM c)", expected: { reads: ["m", "a", "b", "c"] } },
  { name: "strings and comments do not count", dialects: ALL, sql: "SELECT 'FROM fake' /* JOIN fake2 */ FROM real_table -- FROM fake3\n", expected: { reads: ["real_table"] } },
  { name: "a multi-statement migration", dialects: ALL, sql: "CREATE TABLE a (id int);\nINSERT INTO a SELECT id FROM b;\nCREATE INDEX ai ON a (id);\nDROP TABLE c;", expected: { creates: ["a"], writes: ["a"], reads: ["b"], alters: ["a"], drops: ["c"] } },
  { name: "grant names a table but touches nothing", dialects: ["postgres", "mysql"], sql: "GRANT SELECT ON users TO reporting", expected: {} },
  { name: "revoke from a role", dialects: PG, sql: "REVOKE ALL ON users FROM public", expected: {} },
  { name: "merge", dialects: PG, sql: "MERGE INTO stock s USING deliveries d ON s.id = d.id WHEN MATCHED THEN UPDATE SET n = s.n + d.n WHEN NOT MATCHED THEN INSERT VALUES (d.id, d.n)", expected: { writes: ["stock"], reads: ["deliveries"] } },
  { name: "copy from / to", dialects: PG, sql: "COPY a FROM STDIN; COPY b (x) TO STDOUT", expected: { writes: ["a"], reads: ["b"] } },
  { name: "comment on table", dialects: PG, sql: "COMMENT ON TABLE users IS 'people'", expected: { alters: ["users"] } },
  { name: "SQLite trigger: alters its table, body writes", dialects: LITE, sql: "CREATE TRIGGER t AFTER INSERT ON users BEGIN INSERT INTO log VALUES (new.id); UPDATE stats SET n = n + 1; DELETE FROM cache; END", expected: { alters: ["users"], writes: ["log", "stats", "cache"] } },
  { name: "SQLite instead-of trigger on a view", dialects: LITE, sql: "CREATE TRIGGER t INSTEAD OF INSERT ON v BEGIN INSERT INTO base VALUES (new.x); END", expected: { alters: ["v"], writes: ["base"] } },
  { name: "MySQL trigger with a single statement", dialects: MY, sql: "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW INSERT INTO audit VALUES (OLD.id)", expected: { alters: ["users"], writes: ["audit"] } },
  { name: "MySQL procedure body", dialects: MY, sql: "CREATE PROCEDURE p() BEGIN IF 1 THEN UPDATE a SET x = 1; END IF; SELECT * FROM b; END", expected: { writes: ["a"], reads: ["b"] } },
  { name: "statements that touch nothing do not hide the rest of a body", dialects: MY, sql: "CREATE PROCEDURE p() BEGIN LOCK TABLES a WRITE; DROP FUNCTION IF EXISTS f; UPDATE b SET x = 1; UNLOCK TABLES; END", expected: { writes: ["b"] } },
  { name: "PostgreSQL trigger", dialects: PG, sql: "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()", expected: { alters: ["users"] } },
  { name: "PostgreSQL policy and rule", dialects: PG, sql: "CREATE POLICY p ON docs USING (true); CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (1)", expected: { alters: ["docs", "t"], writes: ["log"] } },
  { name: "BEGIN ATOMIC body", dialects: PG, sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC INSERT INTO a VALUES (1); SELECT count(*) FROM b; END", expected: { writes: ["a"], reads: ["b"] } },
  { name: "dollar-quoted bodies are opaque", dialects: PG, sql: "CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM secret $$ LANGUAGE sql; DO $$ BEGIN DELETE FROM other; END $$", expected: {} },
  { name: "explain analyze", dialects: PG, sql: "EXPLAIN ANALYZE DELETE FROM a", expected: { writes: ["a"] } },
  { name: "parenthesised joins", dialects: ALL, sql: "SELECT * FROM (a JOIN b ON true) LEFT JOIN c ON true", expected: { reads: ["a", "b", "c"] } },
  { name: "alias column lists", dialects: PG, sql: "SELECT * FROM a AS x (c1, c2), b", expected: { reads: ["a", "b"] } },
  { name: "TABLE t", dialects: PG, sql: "TABLE a", expected: { reads: ["a"] } },
  { name: "SELECT INTO creates a table", dialects: PG, sql: "SELECT * INTO TEMP newtab FROM a", expected: { creates: ["newtab"], reads: ["a"] } },
  { name: "SELECT INTO a variable (MySQL) creates nothing", dialects: MY, sql: "SELECT x INTO @v FROM a", expected: { reads: ["a"] } },
  { name: "partitions attached and detached", dialects: PG, sql: "ALTER TABLE m ATTACH PARTITION m1 FOR VALUES FROM (MINVALUE) TO (10); ALTER TABLE m DETACH PARTITION m0 CONCURRENTLY", expected: { alters: ["m", "m1", "m0"] } },
  { name: "refresh materialized view", dialects: PG, sql: "REFRESH MATERIALIZED VIEW CONCURRENTLY s.totals", expected: { writes: ["s.totals"] } },
  { name: "set schema moves the table", dialects: PG, sql: "ALTER TABLE public.a SET SCHEMA archive", expected: { alters: ["public.a"], creates: ["archive.a"] } },
  { name: "unparseable SQL falls back to the token read", dialects: PG, sql: "INSERT INTO a VALUES (1) THIS IS NOT SQL FROM b", expected: { writes: ["a"], reads: ["b"] } },
];

const EMPTY: TablesTouched = { creates: [], alters: [], drops: [], writes: [], reads: [] };

function sorted(t: TablesTouched): TablesTouched {
  const sort = (names: readonly string[]): string[] => [...names].sort();
  return { creates: sort(t.creates), alters: sort(t.alters), drops: sort(t.drops), writes: sort(t.writes), reads: sort(t.reads) };
}

describe("the token read of a script's tables", () => {
  const rows = CASES.flatMap((c) => c.dialects.map((dialect) => [`${dialect}: ${c.name}`, dialect, c] as const));
  test.each(rows)("%s", (_name, dialect, c) => {
    expect(tokenTablesOf(dialect, c.sql)).toEqual({ ...EMPTY, ...c.expected });
  });
});

describe("PostgreSQL's parse-tree read (libpg-query)", () => {
  const rows = CASES.filter((c) => c.dialects.includes("postgres")).map((c) => [c.name, c] as const);
  test.each(rows)("%s", async (_name, c) => {
    // Same names; the parse tree may list them in another order.
    expect(sorted(await parsedTables(c.sql))).toEqual(sorted({ ...EMPTY, ...c.expected }));
  });
});

/** Statements where the token read must find what the parser finds (names in any order). */
const AGREEMENT = [
  "SELECT * FROM a NATURAL JOIN b", "SELECT * FROM (a JOIN b ON true)", "SELECT * FROM a AS x (c1, c2), b", "SELECT * FROM ONLY a",
  "INSERT INTO a AS x VALUES (1)", "SELECT * FROM a TABLESAMPLE SYSTEM (1)", "SELECT * FROM a WHERE b = ANY (SELECT c FROM d)",
  "SELECT * FROM a FOR UPDATE OF a", "VALUES (1)", "TABLE a", "SELECT * FROM a, LATERAL (SELECT * FROM b) x",
  "SELECT * FROM a LEFT OUTER JOIN b USING (id)", "SELECT * FROM a JOIN LATERAL generate_series(1,2) g ON true",
  "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT * FROM r", 'SELECT * FROM s.a x JOIN "S"."B" y ON true',
  "DELETE FROM a WHERE id IN (SELECT id FROM b)", "UPDATE a SET x = (SELECT max(y) FROM b)",
  "CREATE TABLE a (id int, CONSTRAINT f FOREIGN KEY (id) REFERENCES b)", "ALTER TABLE a ATTACH PARTITION b FOR VALUES IN (1)",
  "ALTER TABLE a DETACH PARTITION b", "CREATE TABLE a (LIKE b INCLUDING ALL)", "CREATE TABLE c () INHERITS (a, b)",
  "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (MINVALUE) TO (10)", "SELECT 1 FROM a WHERE EXISTS (SELECT FROM b)",
  "INSERT INTO a (x) SELECT x FROM b ON CONFLICT DO NOTHING", "CREATE MATERIALIZED VIEW m AS SELECT * FROM a WITH NO DATA",
  "REFRESH MATERIALIZED VIEW m", "ALTER TABLE a RENAME TO b", "ALTER TABLE a SET SCHEMA s", "CREATE INDEX i ON a (x) WHERE x > (1)",
  "DROP TABLE a; DROP VIEW IF EXISTS b", "SELECT * FROM a UNION SELECT * FROM b", "SELECT count(*) FILTER (WHERE x) FROM a",
  "SELECT * FROM a ORDER BY (SELECT 1 FROM b)", "SELECT * FROM a WHERE x = 'FROM c'", "SELECT trim(both 'x' FROM y) FROM a",
  "SELECT overlay(x placing 'y' from 2) FROM a", "CREATE VIEW v (a, b) AS SELECT 1, 2 FROM t",
  "CREATE TRIGGER x AFTER INSERT OR UPDATE OF c ON s.t FOR EACH ROW EXECUTE PROCEDURE f()",
  "SELECT * FROM a JOIN b ON a.id = b.id JOIN c USING (id)", "UPDATE a SET x = 1 FROM b, c WHERE true", "SELECT * INTO newtab FROM a",
  "WITH x AS MATERIALIZED (SELECT * FROM a) UPDATE b SET y = 1 FROM x", "ALTER TABLE a RENAME COLUMN b TO c",
];

describe("the token read agrees with the PostgreSQL parser", () => {
  test.each(AGREEMENT)("%s", async (sql) => {
    expect(sorted(tokenTablesOf("postgres", sql))).toEqual(sorted(await parsedTables(sql)));
  });

  test("on the golden split inputs and 300 generated scripts", async () => {
    const dir = join(import.meta.dirname, "../../fixtures/split/postgres");
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .map((f) => readFileSync(join(dir, f), "utf8"));
    inputs.push(...generateScripts("postgres", 5, 300).map((script) => script.sql));
    const disagreements: string[] = [];
    for (const sql of inputs) {
      const tokens = JSON.stringify(sorted(tokenTablesOf("postgres", sql)));
      const parser = JSON.stringify(sorted(await parsedTables(sql)));
      if (tokens !== parser) disagreements.push(`${sql}\n  tokens: ${tokens}\n  parser: ${parser}`);
    }
    expect(disagreements).toEqual([]);
  });
});
