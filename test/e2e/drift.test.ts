// `stratum drift` and `up`'s drift check, through the built CLI (issue 13): exit 0 without drift,
// 3 with it (or with nothing recorded); `up` warns, `--strict` and `driftCheck: "error"` refuse
// with exit 3 before anything runs, `driftCheck: "off"` does not look.
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TargetName, type TestDb } from "../support/targets.js";

const TYPES: Record<TargetName, { readonly id: string; readonly text: string }> = {
  postgres: { id: "integer", text: "text" },
  mysql: { id: "int", text: "varchar(50)" },
  sqlite: { id: "INTEGER", text: "TEXT" },
};

const migrationsOf = (name: TargetName): Record<string, string> => ({
  "001_users.sql": `-- migrate:up\nCREATE TABLE users (id ${TYPES[name].id} PRIMARY KEY, email ${TYPES[name].text});\nCREATE INDEX users_email_idx ON users (email);\n-- migrate:down\nDROP TABLE users;\n`,
});

const third = (name: TargetName) => `-- migrate:up\nCREATE TABLE items (id ${TYPES[name].id});\n-- migrate:down\nDROP TABLE items;\n`;

/** `users.nickname` as each dialect qualifies it. */
const nickname = (name: TargetName) => (name === "postgres" ? "column public.users.nickname" : "column users.nickname");

interface Setup {
  readonly db: TestDb;
  readonly project: Project;
  readonly cli: (args: readonly string[]) => ReturnType<typeof runCli>;
}

function suite(target: Target): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });
  const setup = async (config: Record<string, unknown> = {}): Promise<Setup> => {
    const db = await target.createDatabase();
    const project = makeProject(migrationsOf(target.name));
    project.write("stratum.config.json", JSON.stringify({ url: db.url, dir: "./migrations", ...config }));
    cleanups.push(async () => {
      await db.drop();
      project.cleanup();
    });
    return { db, project, cli: (args) => runCli(args, { cwd: project.dir }) };
  };

  it.concurrent("drift exits 0 after clean runs and 3 naming what was changed by hand", async () => {
    const { db, cli } = await setup();
    expect((await cli(["up"])).code).toBe(0);
    const clean = await cli(["drift"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^no drift {2}the schema matches the snapshot recorded at /);
    expect((await cli(["redo"])).code).toBe(0);
    expect((await cli(["drift"])).code).toBe(0);
    await db.query(`ALTER TABLE users ADD COLUMN nickname ${TYPES[target.name].text}`);
    await db.query(target.name === "mysql" ? "DROP INDEX users_email_idx ON users" : "DROP INDEX users_email_idx");
    const drifted = await cli(["drift"]);
    expect(drifted.code).toBe(3);
    expect(drifted.stdout).toContain(`drift  ${nickname(target.name)} was added outside migrations`);
    expect(drifted.stdout).toMatch(/drift {2}index (public\.|users\.)?users_email_idx was removed outside migrations/);
    const json = await cli(["drift", "--json"]);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { drifted: boolean; checked: boolean; against: string; sentences: string[]; changes: { change: string; kind: string }[] };
    expect(report).toMatchObject({ drifted: true, checked: true, against: "recorded" });
    expect(report.changes.filter((c) => c.kind === "column" || c.kind === "index").map((c) => `${c.change} ${c.kind}`).sort()).toEqual(["added column", "removed index"]);
    expect(report.sentences).toContain(`${nickname(target.name)} was added outside migrations`);
  });

  it.concurrent("up warns of drift and runs; --strict refuses with exit 3 before anything runs", async () => {
    const { db, project, cli } = await setup();
    expect((await cli(["up"])).code).toBe(0);
    await db.query(`ALTER TABLE users ADD COLUMN nickname ${TYPES[target.name].text}`);
    project.migration("002_items.sql", third(target.name));
    const strict = await cli(["up", "--strict"]);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain(`${nickname(target.name)} was added outside migrations`);
    expect(strict.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await db.tables()).not.toContain("items");
    const warned = await cli(["up"]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain(`was changed outside migrations since`);
    expect(warned.stderr).toContain(`${nickname(target.name)} was added outside migrations`);
    expect(await db.tables()).toContain("items");
    // the run recorded the schema it left: no drift now
    expect((await cli(["drift"])).code).toBe(0);
  });
}

describe.concurrent("stratum drift", async () => {
  eachTarget([sqliteTarget(), await postgresTarget(), await mysqlTarget()], "stratum drift", (target) => describe.concurrent(target.name, () => suite(target)));
});

describe.concurrent("stratum drift on SQLite: config, no snapshot, --replay", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });
  const setup = async (config: Record<string, unknown> = {}): Promise<Setup> => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject(migrationsOf("sqlite"));
    project.write("stratum.config.json", JSON.stringify({ url: db.url, dir: "./migrations", ...config }));
    cleanups.push(async () => {
      await db.drop();
      project.cleanup();
    });
    return { db, project, cli: (args) => runCli(args, { cwd: project.dir }) };
  };

  it.concurrent('driftCheck "error" refuses up with exit 3; "off" runs without a word', async () => {
    for (const [driftCheck, code] of [["error", 3], ["off", 0]] as const) {
      const { db, project, cli } = await setup({ driftCheck });
      expect((await cli(["up"])).code).toBe(0);
      await db.query("ALTER TABLE users ADD COLUMN nickname TEXT");
      project.migration("002_items.sql", third("sqlite"));
      const result = await cli(["up"]);
      expect(result.code).toBe(code);
      if (code === 3) {
        expect(result.stderr).toContain("column users.nickname was added outside migrations");
        expect(await db.tables()).not.toContain("items");
      } else {
        expect(result.output).not.toContain("outside migrations");
        expect(await db.tables()).toContain("items");
      }
    }
  });

  it.concurrent("with no snapshot recorded, drift says how to get one and exits 3", async () => {
    const { db, cli } = await setup();
    expect((await cli(["up"])).code).toBe(0);
    await db.query("DROP TABLE stratum_migrations_schema");
    const result = await cli(["drift"]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^not checked {2}no schema snapshot is recorded for .*`stratum drift --replay`/);
    const json = JSON.parse((await cli(["drift", "--json"])).stdout) as { checked: boolean; drifted: boolean };
    expect(json).toMatchObject({ checked: false, drifted: false });
  });

  it.concurrent("drift --replay compares with the migrations replayed on a shadow", async () => {
    const { db, cli } = await setup();
    expect((await cli(["up"])).code).toBe(0);
    const clean = await cli(["drift", "--replay"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^no drift {2}the schema matches the migrations replayed on /);
    await db.query("CREATE TABLE scratch (id INTEGER)");
    const drifted = await cli(["drift", "--replay"]);
    expect(drifted.code).toBe(3);
    expect(drifted.stdout).toContain("drift  table scratch was added outside migrations");
  });

  it.concurrent("a bad flag is a usage error", async () => {
    const { cli } = await setup();
    const result = await cli(["drift", "--replay=yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
