// `stratum adopt --from <tool>` through the built CLI, for the tools that do not install from npm or
// Debian (Flyway, golang-migrate, goose, Prisma, Atlas): their history tables are made by the DDL
// and rows each tool's source writes (test/support/foreign-history-ddl.ts), over the tool's sample
// project (test/fixtures/tools/<tool>/<dialect>; for Atlas, which has no layout of its own, a
// Stratum-named directory with its atlas.sum). The database holds what the first 8 of 12
// migrations made, and the tool's history says so; `adopt --dry-run` prints the mapping and writes
// nothing; a tampered file (where the tool stores checksums) or a dirty/failed entry refuses,
// naming it, and writes nothing; `adopt` records the 8; `status` shows 8 applied and 4 pending;
// `up` applies only the 4 (a re-run of the first 8 would fail: their tables exist).

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { foreignChecksumOf } from "../../src/adopt/checksums.js";
import { createMigrator, type LayoutFormat } from "../../src/index.js";
import { runCli, type CliResult } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import {
  atlasDdl,
  atlasInsert,
  atlasTable,
  boolFor,
  flywayDdl,
  flywayInsert,
  GOLANG_MIGRATE_SET_VERSION,
  golangMigrateDdl,
  GOOSE_INSERT,
  gooseDdl,
  PRISMA_INSERT,
  prismaDdl,
} from "../support/foreign-history-ddl.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TargetName, type TestDb } from "../support/targets.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/tools/", import.meta.url));
const MIGRATIONS = 12;
const ADOPTED = 8;

/** One migration file of the project, as the tool names and checksums it. */
interface ToolFile {
  /** Relative to the migrations directory: the file the tool checksums (the up script). */
  readonly file: string;
  /** The tool's version of it (Flyway's `5.1`, golang-migrate's `000008`, Prisma's folder name). */
  readonly key: string;
  readonly text: string;
}

interface Tool {
  readonly name: string;
  readonly dir: string;
  readonly format?: LayoutFormat;
  /** Lays the project out in `project` for `dialect`. */
  setUp(project: string, dialect: TargetName): void;
  /** The migration files in the tool's order. */
  files(dir: string): ToolFile[];
  /** Writes the tool's history saying `applied` are applied. */
  history(db: TestDb, target: TargetName, applied: readonly ToolFile[]): Promise<void>;
  /** How a refused adoption is shown: a file changed (tools storing checksums) besides a bad entry, or the entry alone. */
  readonly refusal: "checksum" | "entry";
  /** What the refusal is over, for the test's title. */
  readonly refused: string;
  /** Makes the history hold a dirty or failed entry; returns its description in messages and how to undo it. */
  breakEntry(db: TestDb, target: TargetName, files: readonly ToolFile[]): Promise<{ where: string; undo: () => Promise<void> }>;
  /** The entry a refusal over a changed file names. */
  where?(target: TargetName, file: ToolFile, index: number): string;
  /** Which adopted file is changed (one the tool checksummed). */
  readonly tamperAt?: number;
  /** The day the rows say the migrations were applied, kept by the adoption. */
  readonly appliedOn?: string;
}

const read = (path: string) => readFileSync(path, "utf8");
const byNumber = (a: string, b: string) => Number(/^\d+/.exec(a)?.[0]) - Number(/^\d+/.exec(b)?.[0]);
const copyFixture = (tool: string) => (project: string, dialect: TargetName) => cpSync(join(FIXTURES, tool, dialect), project, { recursive: true });

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

async function execAll(db: TestDb, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}

const flywayTable = (target: TargetName) => (target === "mysql" ? "`flyway_schema_history`" : '"flyway_schema_history"');
const prismaTime = (target: TargetName, second: number) => `2024-02-01 10:00:${String(second).padStart(2, "0")}${target === "sqlite" ? ".000" : ""}`;

/** Atlas's directory: the golang-migrate sample's up scripts under Stratum's own names, and atlas.sum. */
function atlasProject(project: string, dialect: TargetName): void {
  const source = join(FIXTURES, "golang-migrate", dialect, "migrations");
  const ups = readdirSync(source).filter((f) => f.endsWith(".up.sql")).sort(byNumber);
  const dir = join(project, "migrations");
  cpSync(source, dir, { recursive: true, filter: (path) => statSync(path).isDirectory() });
  const pairs: string[] = [];
  const lines: string[] = [];
  for (const [i, up] of ups.entries()) {
    const name = `202401010000${String(i + 1).padStart(2, "0")}_${up.replace(/^\d+_/, "").replace(/\.up\.sql$/, "")}.sql`;
    const text = read(join(source, up));
    writeFileSync(join(dir, name), text);
    pairs.push(name, text);
    lines.push(`${name} h1:${foreignChecksumOf("atlas", pairs)}`);
  }
  writeFileSync(join(dir, "atlas.sum"), `h1:${foreignChecksumOf("atlas", pairs)}\n${lines.join("\n")}\n`);
}

const TOOLS: readonly Tool[] = [
  {
    name: "flyway",
    dir: "sql",
    setUp: copyFixture("flyway"),
    files: (dir) =>
      readdirSync(dir)
        .filter((f) => f.startsWith("V"))
        .sort(flywayOrder)
        .map((f) => ({ file: f, key: /^V([\d._]+)__/.exec(f)?.[1] as string, text: read(join(dir, f)) })),
    async history(db, target, applied) {
      await execAll(db, flywayDdl(target, "flyway_schema_history"));
      // `flyway baseline` at version 2 (V1, V1.1 and V2 count as applied, unchecked), then V2.1 on
      const baseline = 3;
      await db.query(flywayInsert(flywayTable(target)), [1, applied[baseline - 1]?.key, "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", null, "me", 0, boolFor(target, true)]);
      for (const [i, f] of applied.slice(baseline).entries()) {
        const description = f.file.replace(/^V[\d._]+__/, "").replace(/\.sql$/, "").replaceAll("_", " ");
        await db.query(flywayInsert(flywayTable(target)), [i + 2, f.key, description, "SQL", f.file, Number(foreignChecksumOf("flyway-crc32", [f.text])), "me", 5, boolFor(target, true)]);
      }
      // a repeatable Flyway ran once (its R__ file since deleted): set aside, with one sentence
      await db.query(flywayInsert(flywayTable(target)), [applied.length - baseline + 2, null, "views", "SQL", "R__views.sql", 1234, "me", 5, boolFor(target, true)]);
    },
    refusal: "checksum",
    refused: "a changed file and a failed entry",
    tamperAt: 5,
    where: (_target, f, i) => `flyway_schema_history installed_rank ${i - 1} (version ${f.key})`,
    async breakEntry(db, target, files) {
      const f = files[ADOPTED] as ToolFile;
      await db.query(flywayInsert(flywayTable(target)), [100, f.key, "next", "SQL", f.file, 1, "me", 5, boolFor(target, false)]);
      return { where: `flyway_schema_history installed_rank 100 (version ${f.key}) is failed`, undo: () => db.query(`DELETE FROM ${flywayTable(target)} WHERE installed_rank = 100`).then(() => undefined) };
    },
  },
  {
    name: "golang-migrate",
    dir: "migrations",
    setUp: copyFixture("golang-migrate"),
    files: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".up.sql"))
        .sort(byNumber)
        .map((f) => ({ file: f, key: /^\d+/.exec(f)?.[0] as string, text: read(join(dir, f)) })),
    async history(db, target, applied) {
      await execAll(db, golangMigrateDdl(target));
      await db.query(GOLANG_MIGRATE_SET_VERSION[0]);
      await db.query(GOLANG_MIGRATE_SET_VERSION[1], [Number(applied[applied.length - 1]?.key), boolFor(target, false)]);
    },
    refusal: "entry",
    refused: "a dirty row",
    async breakEntry(db, target, files) {
      const version = Number(files[ADOPTED - 1]?.key);
      await db.query(`UPDATE schema_migrations SET dirty = ${target === "postgres" ? "true" : "1"}`);
      return {
        where: `schema_migrations version ${version} (dirty)`,
        undo: () => db.query(`UPDATE schema_migrations SET dirty = ${target === "postgres" ? "false" : "0"}`).then(() => undefined),
      };
    },
  },
  {
    name: "goose",
    dir: "migrations",
    format: "goose",
    setUp: copyFixture("goose"),
    files: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort(byNumber)
        .map((f) => ({ file: f, key: String(Number(/^\d+/.exec(f)?.[0])), text: read(join(dir, f)) })),
    async history(db, target, applied) {
      await execAll(db, [gooseDdl(target)]);
      await db.query(GOOSE_INSERT, [0, boolFor(target, true)]);
      for (const f of applied) await db.query(GOOSE_INSERT, [Number(f.key), boolFor(target, true)]);
    },
    // goose stores no checksum and no dirty state: a version it rolled back (is_applied false,
    // older goose) is simply not applied; the refusal shown is an entry with no file.
    refusal: "entry",
    refused: "a version with no file",
    async breakEntry(db, target) {
      await db.query(GOOSE_INSERT, [99, boolFor(target, true)]);
      return {
        where: "goose_db_version id 10 (version 99) (goose applied version 99) matches no migration file",
        undo: () => db.query("DELETE FROM goose_db_version WHERE version_id = 99").then(() => undefined),
      };
    },
  },
  {
    name: "prisma",
    dir: "prisma/migrations",
    setUp: copyFixture("prisma"),
    files: (dir) =>
      readdirSync(dir)
        .filter((f) => statSync(join(dir, f)).isDirectory())
        .sort()
        .map((f) => ({ file: `${f}/migration.sql`, key: f, text: read(join(dir, f, "migration.sql")) })),
    async history(db, target, applied) {
      await execAll(db, [prismaDdl(target)]);
      for (const [i, f] of applied.entries()) {
        const at = prismaTime(target, i);
        await db.query(PRISMA_INSERT, [`id-${i + 1}`, foreignChecksumOf("sha256", [f.text]), at, f.key, null, null, at, 1]);
      }
    },
    refusal: "checksum",
    refused: "a changed file and a failed entry",
    appliedOn: "2024-02-01",
    where: (_target, f, i) => `_prisma_migrations id id-${i + 1} (${f.key})`,
    async breakEntry(db, target, files) {
      const f = files[ADOPTED] as ToolFile;
      await db.query(PRISMA_INSERT, ["id-x", foreignChecksumOf("sha256", [f.text]), null, f.key, "error", null, prismaTime(target, 59), 0]);
      return { where: `_prisma_migrations id id-x (${f.key}) is failed`, undo: () => db.query("DELETE FROM _prisma_migrations WHERE id = 'id-x'").then(() => undefined) };
    },
  },
  {
    name: "atlas",
    dir: "migrations",
    setUp: atlasProject,
    files: (dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort()
        .map((f) => ({ file: f, key: /^\d+/.exec(f)?.[0] as string, text: read(join(dir, f)) })),
    async history(db, target, applied) {
      await execAll(db, atlasDdl(target));
      const pairs: string[] = [];
      for (const f of applied) {
        pairs.push(f.file, f.text);
        const description = f.file.replace(/^\d+_/, "").replace(/\.sql$/, "");
        await db.query(atlasInsert(target), [f.key, description, 2, 1, 1, "2024-02-01 10:00:00", 1000, null, null, foreignChecksumOf("atlas", pairs), null, "Atlas CLI v0.30.0"]);
      }
    },
    refusal: "checksum",
    refused: "a changed file and a failed entry",
    appliedOn: "2024-02-01",
    where: (target, f) => `${atlasTable(target)} version ${f.key}`,
    async breakEntry(db, target, files) {
      const f = files[ADOPTED] as ToolFile;
      await db.query(atlasInsert(target), [f.key, "next", 2, 0, 2, "2024-02-01 10:00:00", 1000, "Error 1050: table exists", null, "x", null, "Atlas CLI v0.30.0"]);
      return {
        where: `${atlasTable(target)} version ${f.key} (0 of 2 statements applied: Error 1050: table exists) is failed`,
        undo: () => db.query(`DELETE FROM ${atlasTable(target)} WHERE version = '${f.key}'`).then(() => undefined),
      };
    },
  },
];

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];
const databases: TestDb[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const db of databases.splice(0)) await db.drop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const expectOk = (result: CliResult, what: string) => expect(result.code, `${what}:\n${result.output}`).toBe(0);
const ourVersion = (f: ToolFile) => (/^V([\d._]+)__/.exec(f.file)?.[1] ?? /^\d+/.exec(f.file)?.[0]) as string;
const isStratum = (table: string) => table.startsWith("stratum_");

for (const tool of TOOLS) {
  describe(`adopt --from ${tool.name}`, () => {
    eachTarget(targets, `adopting from ${tool.name}`, (target) => {
      it.concurrent(`on ${target.name}: records the ${ADOPTED} the history holds, refuses ${tool.refused}, then up applies only the rest`, async () => {
        const project = mkdtempSync(join(tmpdir(), "stratum-adopt-ddl-"));
        dirs.push(project);
        tool.setUp(project, target.name);
        const dir = join(project, tool.dir);
        const files = tool.files(dir);
        expect(files).toHaveLength(MIGRATIONS);
        const applied = files.slice(0, ADOPTED);
        const db = await target.createDatabase();
        databases.push(db);
        writeFileSync(join(project, "stratum.config.json"), JSON.stringify({ url: db.url, dir: `./${tool.dir}`, ...(tool.format === undefined ? {} : { format: tool.format }) }));
        const cli = (...args: string[]) => runCli(args, { cwd: project });

        // What the tool left: the first 8 migrations' schema (made here by Stratum, whose history
        // is then removed, with SQLite's user_version), and the tool's own history saying so.
        const migrator = createMigrator({ cwd: project, dir: `./${tool.dir}`, url: db.url, environment: {}, ...(tool.format === undefined ? {} : { format: tool.format }) });
        try {
          await migrator.up({ to: ourVersion(applied[ADOPTED - 1] as ToolFile) });
        } finally {
          await migrator.close();
        }
        for (const table of (await db.tables()).filter(isStratum)) await db.query(`DROP TABLE ${table}`);
        if (target.name === "sqlite") await db.query("PRAGMA user_version = 0");
        await tool.history(db, target.name, applied);
        const before = await db.tables();
        expect(before.some(isStratum)).toBe(false);

        const dry = await cli("adopt", "--from", tool.name, "--dry-run");
        expectOk(dry, "adopt --dry-run");
        for (const f of applied) expect(dry.stdout).toMatch(new RegExp(` → ${f.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} → would be recorded as applied`));
        for (const f of files.slice(ADOPTED)) expect(dry.stdout).not.toContain(` → ${f.file} →`);
        expect(dry.stdout).toContain(`dry run: nothing was changed; run the same command without --dry-run to record ${ADOPTED} migrations`);
        expect(await db.tables()).toEqual(before);

        // Refused, every problem at once, writing nothing: a file changed since the tool applied it
        // (tools storing checksums) and a dirty or failed entry.
        const index = tool.tamperAt ?? 2;
        const victim = applied[index] as ToolFile;
        if (tool.refusal === "checksum") writeFileSync(join(dir, victim.file), victim.text.replace(/;/, "; "));
        const broken = await tool.breakEntry(db, target.name, files);
        const refused = await cli("adopt", "--from", tool.name);
        expect(refused.code, refused.output).toBe(3);
        if (tool.refusal === "checksum") {
          expect(refused.stderr).toContain(`${victim.file} changed since ${tool.name} applied it: ${tool.where?.(target.name, victim, index)} records checksum`);
        }
        expect(refused.stderr).toContain(broken.where);
        expect(refused.output).not.toMatch(/\n\s+at /);
        expect(await db.tables()).toEqual(before);
        writeFileSync(join(dir, victim.file), victim.text);
        await broken.undo();

        const adopted = await cli("adopt", "--from", tool.name);
        expectOk(adopted, "adopt");
        expect(adopted.stdout).toContain(`adopted ${ADOPTED} migrations from ${tool.name}`);
        if (tool.name === "flyway") expect(adopted.stdout).toContain("  flyway_schema_history installed_rank 7 (repeatable R__views.sql) → a repeatable migration: not adopted (Stratum keeps no repeatable migrations");
        const status = await cli("status", "--json");
        expectOk(status, "status");
        const report = JSON.parse(status.stdout) as { migrations: { version: string; state: string; appliedAt: string | null }[]; pending: number };
        if (tool.appliedOn !== undefined) expect(report.migrations.slice(0, ADOPTED).map((m) => m.appliedAt?.slice(0, 10))).toEqual(Array(ADOPTED).fill(tool.appliedOn));
        expect(report.migrations.map((m) => m.state)).toEqual([...Array(ADOPTED).fill("applied"), ...Array(MIGRATIONS - ADOPTED).fill("pending")]);
        expect(report.migrations.map((m) => m.version)).toEqual(files.map(ourVersion));
        expect(report.pending).toBe(MIGRATIONS - ADOPTED);

        const up = await cli("up");
        expectOk(up, "up");
        const log = await db.query<{ operation: string; version: string }>("SELECT operation, version FROM stratum_log ORDER BY id");
        expect(log.map((r) => [r.operation, r.version])).toEqual(files.map((f, i) => [i < ADOPTED ? "adopt" : "apply", ourVersion(f)]));
      }, 30_000);
    });
  });
}
