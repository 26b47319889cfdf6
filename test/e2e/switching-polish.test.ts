// What `plan`, `validate`, `status` and `up --dry-run` say on a project switched from another tool:
// the layout read, and a SQLite database kept by PRAGMA user_version that `up` would adopt first.
// Through the built CLI on real SQLite files.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDialect } from "../../src/dialects/create-dialect.js";
import { runCli } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, sqliteTarget, type TargetName, type TestDb } from "../support/targets.js";

describe("plan and validate name the layout they read", () => {
  let project: Project;
  const cli = (...args: string[]) => runCli([...args, "--url", `sqlite:${join(project.dir, "app.db")}`], { cwd: project.dir });
  beforeEach(() => {
    project = makeProject({ "V1__users.sql": "CREATE TABLE users (id INTEGER);\n", "V2__posts.sql": "CREATE TABLE posts (id INTEGER);\n" });
  });
  afterEach(() => project.cleanup());

  it("detected: plan and validate say `layout: flyway (detected)`, and --json carries it", async () => {
    const plan = await cli("plan");
    expect(plan.code, plan.output).toBe(0);
    expect(plan.stdout.split("\n")[0]).toBe("layout: flyway (detected)");
    const planJson = JSON.parse((await cli("plan", "--json")).stdout) as { layout: unknown; steps: unknown[] };
    expect(planJson.layout).toEqual({ name: "flyway", detected: true });
    expect(planJson.steps).toHaveLength(2);

    const validate = await cli("validate");
    expect(validate.code, validate.output).toBe(0);
    expect(validate.stdout.split("\n")[0]).toBe("layout: flyway (detected)");
    expect(validate.stdout).toContain("ok: 2 migrations checked, no problems");
    const validateJson = JSON.parse((await cli("validate", "--json")).stdout) as { layout: unknown; ok: boolean };
    expect(validateJson).toMatchObject({ ok: true, layout: { name: "flyway", detected: true } });
  });

  it("named by format: `(from format)`; Stratum's own layout goes unmentioned", async () => {
    project.write("stratum.config.json", JSON.stringify({ format: "flyway" }));
    expect((await cli("plan")).stdout.split("\n")[0]).toBe("layout: flyway (from format)");
    expect((await cli("validate")).stdout.split("\n")[0]).toBe("layout: flyway (from format)");

    const own = makeProject({ "001_users.sql": "CREATE TABLE users (id INTEGER);\n" });
    try {
      const plan = await runCli(["plan", "--url", `sqlite:${join(own.dir, "app.db")}`], { cwd: own.dir });
      expect(plan.stdout).not.toContain("layout:");
      const json = JSON.parse((await runCli(["plan", "--json", "--url", `sqlite:${join(own.dir, "app.db")}`], { cwd: own.dir })).stdout) as object;
      expect(json).not.toHaveProperty("layout");
    } finally {
      own.cleanup();
    }
  });
});

const migration = (n: number) => `-- migrate:up\nCREATE TABLE t${n} (id INTEGER);\n-- migrate:down\nDROP TABLE t${n};\n`;

describe("a SQLite database kept by PRAGMA user_version: what status, plan and up --dry-run say before up adopts it", () => {
  let project: Project;
  let file: string;
  const cli = (...args: string[]) => runCli([...args, "--url", `sqlite:${file}`], { cwd: project.dir });
  const tables = () => {
    const db = new Database(file);
    try {
      return (db.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    project = makeProject();
    for (const n of [1, 2, 3, 4, 5]) project.migration(`00${n}_t${n}.sql`, migration(n));
    file = join(project.dir, "app.db");
    const db = new Database(file);
    for (const n of [1, 2, 3]) db.exec(`CREATE TABLE t${n} (id INTEGER);`);
    db.pragma("user_version = 3");
    db.close();
  });
  afterEach(() => project.cleanup());

  it("status shows 1–3 as to be adopted, 4–5 pending, and changes nothing", async () => {
    const status = await cli("status");
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toMatch(/001\s+t1\s+adopt \(user_version\)/);
    expect(status.stdout).toMatch(/004\s+t4\s+pending/);
    expect(status.stdout).toContain("0 applied, 2 pending, 3 to adopt");
    expect(status.stdout).toContain("up will first adopt 1–3 from PRAGMA user_version = 3 (recorded as applied without running them)");
    const json = JSON.parse((await cli("status", "--json")).stdout) as { pending: number; userVersion: unknown };
    expect(json.pending).toBe(2);
    expect(json.userVersion).toEqual({
      head: "3",
      adopt: ["001", "002", "003"],
      refusal: null,
      message: "up will first adopt 1–3 from PRAGMA user_version = 3 (recorded as applied without running them)",
    });
    expect(tables()).toEqual(["t1", "t2", "t3"]);
  });

  it("plan and up --dry-run show only 4–5 as what would run, after the adoption note", async () => {
    const plan = await cli("plan");
    expect(plan.code, plan.output).toBe(0);
    expect(plan.stdout).toContain("up will first adopt 1–3 from PRAGMA user_version = 3 (recorded as applied without running them)");
    expect(plan.stdout).toContain("apply 2 migrations, in this order:");
    expect(plan.stdout).not.toMatch(/\b001\b/);
    const json = JSON.parse((await cli("plan", "--json")).stdout) as { steps: { version: string }[]; userVersion: unknown };
    expect(json.steps.map((s) => s.version)).toEqual(["004", "005"]);
    expect(json.userVersion).toEqual({
      head: "3",
      adopt: ["001", "002", "003"],
      refusal: null,
      message: "up will first adopt 1–3 from PRAGMA user_version = 3 (recorded as applied without running them)",
    });

    const dry = await cli("up", "--dry-run");
    expect(dry.code, dry.output).toBe(0);
    expect(dry.output).toContain("up will first adopt 1–3 from PRAGMA user_version = 3");
    expect(dry.output).toContain("CREATE TABLE t4");
    expect(dry.output).not.toContain("CREATE TABLE t1");
    expect(tables()).toEqual(["t1", "t2", "t3"]);

    const up = await cli("up");
    expect(up.code, up.output).toBe(0);
    expect(up.output).toContain("adopted 1–3 from PRAGMA user_version = 3");
    expect(tables()).toEqual(expect.arrayContaining(["t1", "t2", "t3", "t4", "t5"]));
  });

  it("with adoptUserVersion: false, status and plan say up will refuse and why", async () => {
    project.write("stratum.config.json", JSON.stringify({ adoptUserVersion: false }));
    const status = await cli("status");
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toContain("up will refuse: PRAGMA user_version = 3 but stratum_migrations does not exist: another system migrated this database, and adoptUserVersion is false");
    expect(status.stdout).toContain("stratum adopt --from user-version");
    const plan = await cli("plan");
    expect(plan.code, plan.output).toBe(0);
    expect(plan.stdout).toContain("up will refuse: PRAGMA user_version = 3 but stratum_migrations does not exist: another system migrated this database, and adoptUserVersion is false");
    const json = JSON.parse((await cli("plan", "--json")).stdout) as { userVersion: { refusal: string | null; adopt: string[] } };
    expect(json.userVersion.adopt).toEqual([]);
    expect(json.userVersion.refusal).toContain("adoptUserVersion is false");
    // a dry run refuses as up itself would, rather than showing 1–3 as what would run
    const dry = await cli("up", "--dry-run");
    expect(dry.code, dry.output).toBe(3);
    expect(dry.stderr).toContain("PRAGMA user_version = 3 but stratum_migrations does not exist: another system migrated this database, and adoptUserVersion is false");
    expect(dry.stderr).toContain("fix: run `stratum adopt --from user-version`");
    expect(dry.output).not.toContain("CREATE TABLE t1");
    expect(tables()).toEqual(["t1", "t2", "t3"]);
  });
});

// `stratum import --from <tool>` over each sample project of test/fixtures/tools (the ones
// switching-tools.test.ts runs natively): the converted directory applies to the same schema as
// the tool's own files read natively, on SQLite and, where the samples build an index
// concurrently, PostgreSQL.
const FIXTURES = fileURLToPath(new URL("../fixtures/tools/", import.meta.url));
const BOTH: readonly TargetName[] = ["sqlite", "postgres"];
const IMPORTED: readonly { tool: string; dir: string; dialects: readonly TargetName[]; downs: boolean }[] = [
  { tool: "golang-migrate", dir: "migrations", dialects: BOTH, downs: true },
  { tool: "dbmate", dir: "db/migrations", dialects: BOTH, downs: true },
  { tool: "goose", dir: "migrations", dialects: BOTH, downs: true },
  { tool: "node-pg-migrate", dir: "migrations", dialects: ["postgres"], downs: true },
  { tool: "flyway", dir: "sql", dialects: BOTH, downs: true },
  { tool: "prisma", dir: "prisma/migrations", dialects: BOTH, downs: false },
  { tool: "drizzle", dir: "drizzle", dialects: BOTH, downs: false },
  { tool: "sqitch", dir: "db", dialects: BOTH, downs: true },
];

/** The schema without Stratum's tables, and on SQLite each object's stored statement text. */
async function snapshot(db: TestDb, target: TargetName): Promise<unknown> {
  const dialect = await createDialect({ url: db.url, cwd: process.cwd(), environment: {} });
  const conn = await dialect.connect();
  try {
    const schema = await dialect.describeSchema!(conn, { exclude: ["stratum_migrations", "stratum_log", "stratum_migrations_schema"] });
    const stored = target === "sqlite" ? await db.query("select type, name, sql from sqlite_master where name not like 'sqlite_%' and name not like 'stratum_%' order by type, name") : [];
    return { schema, stored };
  } finally {
    await conn.close();
    await dialect.dispose();
  }
}

const importTargets = [sqliteTarget(), await postgresTarget()];

describe("stratum import over each tool's sample project", () => {
  const made: { dbs: TestDb[]; dirs: string[] } = { dbs: [], dirs: [] };
  afterEach(async () => {
    for (const db of made.dbs.splice(0)) await db.drop();
    for (const dir of made.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  eachTarget(importTargets, "import", (target) => {
    it(`on ${target.name}: the imported directory applies to the schema the tool's files give read natively`, async () => {
      for (const { tool, dir, downs } of IMPORTED.filter((entry) => entry.dialects.includes(target.name))) {
        const project = mkdtempSync(join(tmpdir(), "stratum-import-"));
        made.dirs.push(project);
        cpSync(join(FIXTURES, tool, target.name), project, { recursive: true });
        const [native, imported] = [await target.createDatabase(), await target.createDatabase()];
        made.dbs.push(native, imported);
        const empty = await snapshot(imported, target.name);
        writeFileSync(join(project, "stratum.config.json"), JSON.stringify({ dir: `./${dir}`, format: tool }));
        const cli = async (...args: string[]) => {
          const result = await runCli(args, { cwd: project });
          expect(result.code, `${tool}: stratum ${args.join(" ")}\n${result.output}`).toBe(0);
          return result;
        };
        await cli("up", "--url", native.url);
        const converted = await cli("import", "--from", tool, dir, "--out", "stratum-migrations");
        expect(converted.stdout).toContain(`imported 12 ${tool} migrations from ${dir} into stratum-migrations:`);
        if (tool === "sqitch") expect(converted.stdout).toMatch(/warning: not carried over \(12\): verify\/create_users\.sql, .*Sqitch verify scripts are not run by Stratum/);
        else expect(converted.stdout).not.toContain("not carried over");
        // the converted directory, read as Stratum's own
        writeFileSync(join(project, "stratum.config.json"), JSON.stringify({ dir: "./stratum-migrations" }));
        await cli("up", "--url", imported.url);
        const expected = await snapshot(native, target.name);
        expect(JSON.stringify(expected), tool).toContain("orders_status_created_at_idx"); // the concurrent index on PostgreSQL, a plain one on SQLite
        expect(await snapshot(imported, target.name), tool).toEqual(expected);
        const status = JSON.parse((await cli("status", "--json", "--url", imported.url)).stdout) as { pending: number };
        expect(status.pending, tool).toBe(0);
        if (downs) {
          // the downs came over too, each in the transaction mode it needs
          await cli("down", "--all", "--yes", "--url", imported.url);
          expect(await snapshot(imported, target.name), `${tool}: down --all`).toEqual(empty);
        }
      }
    }, 180_000);
  });
});
