// Helpers of lint-measure-*.test.ts: `lint --measure` on real servers, driven from the lint suite's table (test/unit/lint/cases.ts):
// each case runs as a pending migration after a fixture migration (applied on the target) that
// creates the tables it names; the measurement on the shadow (shadow.url on the local servers, a
// temporary file for SQLite) must report, for the marked statement, rewrite and lock level on
// PostgreSQL, the accepted algorithm of every MySQL ALTER, the rebuild check on SQLite, and agree
// with the rule (the disagreements found are listed, with why, in DISAGREE).

import { expect } from "vitest";
import type { LintReport } from "../../src/api-types.js";
import { createMigrator } from "../../src/migrator.js";
import { makeProject } from "../support/project.js";
import { MYSQL_URL, PG_URL, mysqlTarget, postgresTarget, sqliteTarget, type Target } from "../support/targets.js";
import { RISKY, SAFE, type Risky } from "../unit/lint/cases.js";

type Key = Risky[0];

/** Cases whose marked statement cannot run on a shadow: it names a database of the server, not of the shadow. */
const SERVER_WIDE = /DROP DATABASE/i;

/**
 * Where the server disagrees with the rule, by case text: the finding is dropped by the
 * measurement, and that is right (the rule reads the text, the server knows better).
 */
export const DISAGREE: Readonly<Record<string, string>> = {
  // PostgreSQL 12+ skips the rewrite when the session's TimeZone is UTC (the shadow's is): the rule cannot know the server's
  "ALTER TABLE t ALTER COLUMN at SET DATA TYPE timestamptz;": "no rewrite under TimeZone UTC",
};

/** Statements that fail on the seeded shadow, as the rule says they would on a table with rows. */
const FAILS_WITH_ROWS: Readonly<Record<string, RegExp>> = {
  "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;": /contains null values/,
};

function fixture(key: Key, statement: string): string {
  if (key === "pg") {
    const pk = /ADD PRIMARY KEY/i.test(statement) ? "" : " PRIMARY KEY";
    const bio = /ADD COLUMN bio/i.test(statement) ? "" : " bio text,";
    const active = /ADD COLUMN active/i.test(statement) ? "" : " active boolean,";
    const when = (re: RegExp, sql: string): string[] => (re.test(statement) ? [sql] : []);
    return [
      "CREATE SCHEMA reporting;",
      `CREATE TABLE users (id int${pk}, name text, email text,${bio}${active} ref text, tenant int);`,
      "CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric, ref text);",
      "CREATE TABLE t (n int, at timestamp);",
      "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);",
      "CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');",
      // DETACH … CONCURRENTLY is refused while a default partition exists
      ...when(/^(?![\s\S]*DETACH PARTITION \w+ CONCURRENTLY)/, "CREATE TABLE events_rest PARTITION OF events DEFAULT;"),
      "CREATE TABLE sessions (id int, expires_at timestamptz);",
      "CREATE TABLE old_orders (id int);",
      "CREATE TABLE settings (k text, v text);",
      ...when(/DROP INDEX (CONCURRENTLY )?users_email/i, "CREATE INDEX users_email ON users (email);"),
      ...when(/USING INDEX users_email_idx/i, "CREATE UNIQUE INDEX users_email_idx ON users (email);"),
      ...when(/USING INDEX users_id_idx/i, "CREATE UNIQUE INDEX users_id_idx ON users (id);"),
      ...when(/VALIDATE CONSTRAINT positive/i, "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0) NOT VALID;"),
      ...when(/VALIDATE CONSTRAINT email_nn/i, "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;"),
      ...when(/ALTER INDEX a_idx/i, "CREATE INDEX a_idx ON users (name);"),
    ].join("\n");
  }
  if (key === "my") {
    const bio = /ADD COLUMN bio/i.test(statement) ? "" : " bio TEXT,";
    const active = /ADD COLUMN active/i.test(statement) ? "" : " active TINYINT NOT NULL DEFAULT 1,";
    // a character set to convert from
    const charset = /CHARACTER SET utf8mb4/i.test(statement) ? " DEFAULT CHARSET=latin1" : "";
    return [
      `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(200),${bio}${active} tenant INT NOT NULL DEFAULT 0)${charset};`,
      "CREATE TABLE posts (id INT PRIMARY KEY, body TEXT);",
      "CREATE TABLE sessions (id INT, expires_at DATETIME);",
      "CREATE TABLE events (id INT, at DATETIME);",
      "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT);",
      "CREATE TABLE settings (k VARCHAR(50), v VARCHAR(50));",
      ...(/DROP INDEX users_email|RENAME INDEX a TO b/i.test(statement) ? [`CREATE INDEX ${/RENAME INDEX/i.test(statement) ? "a" : "users_email"} ON users (email);`] : []),
    ].join("\n");
  }
  return [
    `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT${/ADD COLUMN active/i.test(statement) ? "" : ", active INTEGER"});`,
    "CREATE TABLE sessions (id INTEGER, expires_at INTEGER);",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);",
    "CREATE TABLE settings (k TEXT, v TEXT);",
  ].join("\n");
}

/** The case as migration 002's up (line 2 on), and the marked line. */
function caseText(lines: readonly string[]): { text: string; line: number; marked: string } {
  const body = lines.map((l) => l.replace(/^> /, ""));
  const index = lines.findIndex((l) => l.startsWith("> "));
  const header = body[0]?.startsWith("-- stratum:") === true ? [body.shift() as string] : [];
  return { text: [...header, "-- migrate:up", ...body, "-- migrate:down", "SELECT 1;", ""].join("\n"), line: index + 2, marked: body[header.length > 0 ? index - 1 : index] ?? "" };
}

const targets: Record<Key, () => Promise<Target>> = { pg: postgresTarget, my: mysqlTarget, lite: async () => sqliteTarget() };
const shadowUrl: Record<Key, string | undefined> = { pg: PG_URL, my: MYSQL_URL, lite: undefined };

async function measure(key: Key, lines: readonly string[]): Promise<{ report: LintReport; line: number; marked: string }> {
  const target = await targets[key]();
  if (target.unreachable !== null) throw new Error(target.unreachable);
  const db = await target.createDatabase();
  const { text, line, marked } = caseText(lines);
  const project = makeProject({ "001_fixture.sql": `-- migrate:up\n${fixture(key, marked === "" ? text : marked)}\n-- migrate:down\nSELECT 1;\n` });
  const options = { dir: project.migrations, url: db.url, environment: {}, ...(shadowUrl[key] === undefined ? {} : { shadow: { url: shadowUrl[key] } }) };
  try {
    const setup = createMigrator(options);
    await setup.up();
    await setup.close();
    project.migration("002_case.sql", text);
    const migrator = createMigrator(options);
    try {
      return { report: await migrator.lint({ measure: true }), line, marked };
    } finally {
      await migrator.close();
    }
  } finally {
    project.cleanup();
    await db.drop();
  }
}

/** The risky cases of one dialect that a shadow can run, numbered as in the table. */
export function casesOf(keys: readonly Key[]): (readonly [number, Key, string, readonly string[]])[] {
  return RISKY.map((c, i) => [i, ...c] as const).filter(([, key, , lines]) => keys.includes(key) && !lines.some((l) => l.startsWith("> ") && SERVER_WIDE.test(l)));
}

const ALTER = /^(ALTER TABLE|CREATE (UNIQUE |FULLTEXT )?INDEX|DROP INDEX)/i;

/** Runs one case with --measure and checks what its measurement must show. */
export async function checkCase(key: Key, rule: string, lines: readonly string[]): Promise<void> {
  const { report, line, marked } = await measure(key, lines);
  const m = report.measurement;
  expect(m, "a measurement").toBeDefined();
  expect(m!.notes).toEqual([]);
  const at = m!.statements.find((s) => s.location === `002_case.sql:${line}`);
  expect(at, `the statement at line ${line} measured`).toBeDefined();
  const dropped = m!.dropped.filter((d) => d.finding.rule === rule && d.finding.line === line);
  const kept = report.findings.filter((f) => f.rule === rule && f.line === line);
  if (DISAGREE[marked] === undefined) {
    expect(dropped.map((d) => d.reason), "no finding of the intended rule dropped").toEqual([]);
    expect(kept).toHaveLength(1);
  } else {
    expect(dropped).toHaveLength(1);
    expect(kept).toHaveLength(0);
  }
  const fails = FAILS_WITH_ROWS[marked];
  if (fails !== undefined) {
    expect(at!.error).toMatch(fails);
  } else if (key === "pg") {
    expect(at!.error, marked).toBeUndefined();
    expect(Array.isArray(at!.rewritten)).toBe(true);
    if (at!.note === undefined) expect(Array.isArray(at!.locks)).toBe(true);
    else expect(at!.note).toMatch(/outside a transaction/);
  } else if (key === "my" && ALTER.test(marked)) {
    expect(at!.error, marked).toBeUndefined();
    expect(at!.algorithm?.algorithm).toMatch(/^(INSTANT|INPLACE|COPY|DEFAULT)$/);
  } else if (key === "lite" && at!.error === undefined) {
    expect(Array.isArray(at!.rewritten)).toBe(true);
  }
}

/** The safe look-alikes of some dialects, numbered as in the table. */
export function safeCasesOf(keys: readonly Key[]): (readonly [number, Key, string, readonly string[]])[] {
  return SAFE.map((c, i) => [i, ...c] as const).filter(([, key]) => keys.includes(key));
}

/** Safe look-alikes the server refuses as written, by statement: the rules read text, the server runs it. */
const SAFE_FAILS: Readonly<Record<string, RegExp>> = {
  // MariaDB: a table cannot lose its last column
  "ALTER TABLE a DROP COLUMN id;": /delete all columns/,
};

/** Safe look-alikes where the server does what no rule predicts: the measured finding expected. */
export const SAFE_DISAGREE: Readonly<Record<string, string>> = {
  // InnoDB adds a foreign key in place only with foreign_key_checks off: with them on (as migrations run), COPY
  "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);": "measured-copy",
};

/** Runs a safe look-alike with --measure: every statement runs on the seeded shadow, and nothing is found. */
export async function checkSafe(key: Key, lines: readonly string[]): Promise<void> {
  const { report } = await measure(key, lines);
  const m = report.measurement!;
  expect(m.notes).toEqual([]);
  const own = m.statements.filter((s) => s.location.startsWith("002_case.sql"));
  for (const s of own) {
    const fails = SAFE_FAILS[`${s.statement};`];
    if (fails === undefined) expect(s.error, s.statement).toBeUndefined();
    else expect(s.error).toMatch(fails);
  }
  const expected = own.flatMap((s) => (SAFE_DISAGREE[`${s.statement};`] === undefined ? [] : [SAFE_DISAGREE[`${s.statement};`]]));
  expect(report.findings.map((f) => f.rule)).toEqual(expected);
  expect(m.dropped).toEqual([]);
}
