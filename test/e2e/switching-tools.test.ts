// Switching to Stratum with another tool's migrations left as they are. Each sample project under
// test/fixtures/tools/<tool>/<dialect> was written from that tool's documented conventions (12
// migrations: tables, an index built concurrently on PostgreSQL, a function or, on SQLite, a view
// and a trigger, a data change, a comments-only placeholder). The built CLI runs it through `up`,
// `status`, `down --all` (where the tool has downs) and `up` again, with the files' bytes
// unchanged, and the schema it leaves is compared with the one the tool itself produces: each
// migration's up SQL applied into a second database the way the tool sends it (its order, its
// statement splitting, outside Stratum).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { SchemaSnapshot } from "../../src/core/schema/index.js";
import { createDialect } from "../../src/dialects/create-dialect.js";
import { runCli, type CliResult } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TargetName, type TestDb } from "../support/targets.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/tools/", import.meta.url));
const HISTORY = ["stratum_migrations", "stratum_log", "stratum_migrations_schema"];
const MIGRATIONS = 12;
const SEEDED_SKUS = ["MUG-001", "TEA-001", "TEA-002"];

/** One migration as the tool runs it: the texts it sends, in order (comment-only texts are skipped, as no-ops). */
interface ToolStep {
  readonly file: string;
  readonly texts: readonly string[];
  /** Sqitch hands each deploy script to the database's own client (psql -f on PostgreSQL). */
  readonly viaClient?: boolean;
}

interface Tool {
  readonly name: string;
  /** The sample's folder under test/fixtures/tools/ (default `<name>/<dialect>`). */
  readonly fixture?: (dialect: TargetName) => string;
  readonly dialects: readonly TargetName[];
  /** The migrations directory the tool uses by convention, relative to the project. */
  readonly dir: string;
  readonly hasDowns: boolean;
  /**
   * `format` for the config, only where the layout cannot be told from the file names (goose's and
   * node-pg-migrate's are numbered `.sql` files like any other): elsewhere detection must find it.
   */
  readonly format?: string;
  /** The up scripts in the tool's order, split as the tool splits them. */
  steps(dir: string, dialect: TargetName): ToolStep[];
}

const read = (path: string) => readFileSync(path, "utf8");
const byNumber = (a: string, b: string) => Number(/^\d+/.exec(a)?.[0]) - Number(/^\d+/.exec(b)?.[0]);

/** The text after `start` up to `end` (or the end of the file), both marker lines excluded. */
function section(text: string, start: RegExp, end: RegExp): string {
  const from = text.search(start);
  if (from < 0) throw new Error(`no ${start} marker`);
  const afterMarker = text.indexOf("\n", from) + 1;
  const rest = text.slice(afterMarker);
  const until = rest.search(end);
  return until < 0 ? rest : rest.slice(0, until);
}

/** goose's statement splitting: `;` at the end of a line ends a statement, StatementBegin/End keep one together. */
function gooseStatements(up: string): string[] {
  const statements: string[] = [];
  let buffer: string[] = [];
  let inBlock = false;
  for (const line of up.split("\n")) {
    if (/^--\s*\+goose StatementBegin/.test(line)) {
      inBlock = true;
      continue;
    }
    if (/^--\s*\+goose StatementEnd/.test(line)) {
      inBlock = false;
      statements.push(buffer.join("\n"));
      buffer = [];
      continue;
    }
    buffer.push(line);
    if (!inBlock && /;\s*$/.test(line) && !/^\s*--/.test(line)) {
      statements.push(buffer.join("\n"));
      buffer = [];
    }
  }
  statements.push(buffer.join("\n"));
  return statements;
}

/** Flyway's order: versions compared part by part as numbers (1 < 1.1 < 2 < 10). */
function flywayOrder(a: string, b: string): number {
  const parts = (name: string) => (/^V([\d._]+)__/.exec(name)?.[1] ?? "").split(/[._]/).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const ALL: readonly TargetName[] = ["postgres", "mysql", "sqlite"];

const TOOLS: readonly Tool[] = [
  {
    name: "golang-migrate",
    dialects: ALL,
    dir: "migrations",
    hasDowns: true,
    steps: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".up.sql"))
        .sort(byNumber)
        .map((f) => ({ file: f, texts: [read(join(dir, f))] })),
  },
  {
    // Stratum's extension of golang-migrate's names: one directory for every dialect, where a
    // `.<dialect>.up.sql` variant beside the shared file wins on its dialect.
    name: "golang-migrate with per-dialect variants",
    fixture: () => "golang-migrate/shared",
    dialects: ALL,
    dir: "migrations",
    hasDowns: true,
    steps: (dir, dialect) => {
      const files = readdirSync(dir);
      return files
        .filter((f) => /^\d+_[a-z_]+\.up\.sql$/.test(f))
        .sort(byNumber)
        .map((f) => f.replace(/\.up\.sql$/, ""))
        .map((base) => (files.includes(`${base}.${dialect}.up.sql`) ? `${base}.${dialect}.up.sql` : `${base}.up.sql`))
        .map((f) => ({ file: f, texts: [read(join(dir, f))] }));
    },
  },
  {
    name: "dbmate",
    dialects: ALL,
    dir: "db/migrations",
    hasDowns: true,
    steps: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort(byNumber)
        .map((f) => ({ file: f, texts: [section(read(join(dir, f)), /^-- migrate:up/m, /^-- migrate:down/m)] })),
  },
  {
    name: "goose",
    dialects: ALL,
    dir: "migrations",
    hasDowns: true,
    format: "goose",
    steps: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort(byNumber)
        .map((f) => ({ file: f, texts: gooseStatements(section(read(join(dir, f)), /^-- \+goose Up/m, /^-- \+goose Down/m)) })),
  },
  {
    name: "node-pg-migrate",
    dialects: ["postgres"],
    dir: "migrations",
    hasDowns: true,
    format: "node-pg-migrate",
    steps: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort(byNumber)
        .map((f) => ({ file: f, texts: [section(read(join(dir, f)), /^\s*--[\s-]*up\s+migration/im, /^\s*--[\s-]*down\s+migration/im)] })),
  },
  {
    name: "flyway",
    dialects: ALL,
    dir: "sql",
    hasDowns: true,
    steps: (dir) =>
      readdirSync(dir)
        .filter((f) => f.startsWith("V"))
        .sort(flywayOrder)
        .map((f) => ({ file: f, texts: [read(join(dir, f))] })),
  },
  {
    name: "prisma",
    dialects: ALL,
    dir: "prisma/migrations",
    hasDowns: false,
    steps: (dir) =>
      readdirSync(dir)
        .filter((f) => statSync(join(dir, f)).isDirectory())
        .sort()
        .map((f) => ({ file: `${f}/migration.sql`, texts: [read(join(dir, f, "migration.sql"))] })),
  },
  {
    name: "drizzle",
    dialects: ALL,
    dir: "drizzle",
    hasDowns: false,
    steps: (dir) => {
      const journal = JSON.parse(read(join(dir, "meta", "_journal.json"))) as { entries: { idx: number; tag: string }[] };
      return [...journal.entries]
        .sort((a, b) => a.idx - b.idx)
        .map((e) => ({ file: `${e.tag}.sql`, texts: read(join(dir, `${e.tag}.sql`)).split("--> statement-breakpoint") }));
    },
  },
  {
    name: "sqitch",
    dialects: ALL,
    dir: "db",
    hasDowns: true,
    steps: (dir) =>
      read(join(dir, "sqitch.plan"))
        .split("\n")
        .filter((line) => /^[A-Za-z]/.test(line))
        .map((line) => line.split(" ")[0] as string)
        .map((change) => ({ file: join(dir, "deploy", `${change}.sql`), texts: [read(join(dir, "deploy", `${change}.sql`))], viaClient: true })),
  },
];

const holdsSql = (text: string) => text.replace(/--[^\n]*/g, "").trim() !== "";

/** Applies the tool's up scripts into `db` as the tool sends them, outside Stratum. */
async function applyAsTool(target: TargetName, db: TestDb, steps: readonly ToolStep[]): Promise<void> {
  if (target === "sqlite") {
    const sqlite = new Database(db.name);
    try {
      for (const step of steps) for (const text of step.texts.filter(holdsSql)) sqlite.exec(text);
    } finally {
      sqlite.close();
    }
  } else if (target === "mysql") {
    const conn = await mysql.createConnection({ uri: db.url, multipleStatements: true });
    try {
      for (const step of steps) for (const text of step.texts.filter(holdsSql)) await conn.query(text);
    } finally {
      await conn.end();
    }
  } else {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const step of steps) {
        if (step.viaClient === true) {
          const psql = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url, "-f", step.file], { encoding: "utf8" });
          if (psql.status !== 0) throw new Error(`psql -f ${step.file}: ${psql.stderr}`);
        } else {
          for (const text of step.texts.filter(holdsSql)) await client.query(text);
        }
      }
    } finally {
      await client.end();
    }
  }
}

interface Observed {
  readonly schema: SchemaSnapshot;
  /** SQLite: each object's stored statement text, byte for byte (what the sqlite3 shell would store). */
  readonly storedSql: readonly unknown[];
  readonly skus: readonly string[];
}

/** The schema without Stratum's own tables, the stored SQL on SQLite, and the seeded catalogue. */
async function observe(db: TestDb, target: TargetName): Promise<Observed> {
  const dialect = await createDialect({ url: db.url, cwd: process.cwd(), environment: {} });
  const conn = await dialect.connect();
  try {
    if (!dialect.describeSchema) throw new Error(`${dialect.name} cannot describe its schema`);
    const schema = await dialect.describeSchema(conn, { exclude: HISTORY });
    const storedSql =
      target === "sqlite"
        ? await db.query("select type, name, sql from sqlite_master where name not like 'sqlite_%' and name not like 'stratum_%' order by type, name")
        : [];
    const hasProducts = (await db.tables()).includes("products");
    const skus = hasProducts ? (await db.query<{ sku: string }>("select sku from products order by sku")).map((r) => r.sku) : [];
    return { schema, storedSql, skus };
  } finally {
    await conn.close();
    await dialect.dispose();
  }
}

/** SHA-256 of every file under `dir`, by relative path. */
function hashes(dir: string, skip: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!skip.includes(entry.name)) out[relative(dir, path)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
const databases: TestDb[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const db of databases.splice(0)) await db.drop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const expectOk = (result: CliResult, what: string) => expect(result.code, `${what}:\n${result.output}`).toBe(0);

for (const tool of TOOLS) {
  describe(`switching from ${tool.name}`, () => {
    const supported = targets.filter((t) => tool.dialects.includes(t.name));
    eachTarget(supported, `the ${tool.name} sample project`, (target) => {
      it.concurrent(`runs unchanged through up, status, ${tool.hasDowns ? "down --all, " : ""}up on ${target.name}, ending with the schema the tool itself produces`, async () => {
        const project = mkdtempSync(join(tmpdir(), "stratum-switch-"));
        dirs.push(project);
        cpSync(join(FIXTURES, tool.fixture?.(target.name) ?? `${tool.name}/${target.name}`), project, { recursive: true });
        const before = hashes(project, []);
        const db = await target.createDatabase();
        databases.push(db);
        const reference = await target.createDatabase();
        databases.push(reference);
        writeFileSync(join(project, "stratum.config.json"), JSON.stringify({ url: db.url, dir: `./${tool.dir}`, ...(tool.format === undefined ? {} : { format: tool.format }) }, null, 2));
        const cli = (...args: string[]) => runCli(args, { cwd: project });
        const empty = await observe(db, target.name);

        const steps = tool.steps(join(project, tool.dir), target.name);
        expect(steps).toHaveLength(MIGRATIONS);
        await applyAsTool(target.name, reference, steps);
        const expected = await observe(reference, target.name);
        expect(expected.skus).toEqual(SEEDED_SKUS);

        expectOk(await cli("up"), "up");
        const status = await cli("status", "--json");
        expectOk(status, "status");
        const report = JSON.parse(status.stdout) as { migrations: { state: string }[]; pending: number; dirty: boolean };
        expect(report.migrations.map((m) => m.state)).toEqual(Array(MIGRATIONS).fill("applied"));
        expect(report.pending).toBe(0);
        expect(report.dirty).toBe(false);
        expect(await observe(db, target.name)).toEqual(expected);

        if (tool.hasDowns) {
          expectOk(await cli("down", "--all", "--yes"), "down --all");
          expect(await observe(db, target.name)).toEqual(empty);
          const downed = await cli("status", "--json");
          expectOk(downed, "status after down --all");
          expect((JSON.parse(downed.stdout) as { pending: number }).pending).toBe(MIGRATIONS);
          expectOk(await cli("up"), "up again");
          expect(await observe(db, target.name)).toEqual(expected);
        } else {
          // No down in this tool: every migration is irreversible, and `down` says so and changes nothing.
          const refused = await cli("down", "--yes");
          expect(refused.code, refused.output).toBe(3);
          expect(refused.stderr).toContain("add_products_discontinued");
          expect(refused.stderr).toMatch(/cannot be rolled back|irreversible/i);
          expect(await observe(db, target.name)).toEqual(expected);
          const again = await cli("up");
          expectOk(again, "up again (nothing pending)");
          expect(await observe(db, target.name)).toEqual(expected);
        }
        const statusAgain = await cli("status", "--json");
        expectOk(statusAgain, "status after the second up");
        expect((JSON.parse(statusAgain.stdout) as { pending: number }).pending).toBe(0);
        expect(hashes(project, ["stratum.config.json"])).toEqual(before);
      }, 60_000);
    });
  });
}
