// What the built CLI says of a migration that runs outside a transaction automatically (every
// statement of it cannot run in one): `plan`, `plan --json`, `up --dry-run`, `up` and `up --json`
// on PostgreSQL (CREATE INDEX CONCURRENTLY) and SQLite (VACUUM); and the refusal of a mix.

import { afterEach, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";
import { eachTarget } from "../support/each-target.js";

const cases: Record<"postgres" | "sqlite", { readonly statement: string; readonly kind: string; readonly table: string }> = {
  postgres: { statement: "CREATE INDEX CONCURRENTLY items_title_idx ON items (title);", kind: "CREATE INDEX CONCURRENTLY", table: "CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT);" },
  sqlite: { statement: "VACUUM;", kind: "VACUUM", table: "CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT);" },
};

const targets: readonly Target[] = [sqliteTarget(), await postgresTarget()];

eachTarget(targets, "automatic outside-transaction wording", (target) => {
  const { statement, kind, table } = cases[target.name as "postgres" | "sqlite"];
  const files = {
    "001_items.sql": `-- migrate:up\n${table}\n-- migrate:down\nDROP TABLE items;\n`,
    "002_outside.sql": `-- migrate:up\n-- no directive needed\n${statement}\n`,
  };
  const note = `002_outside runs outside a transaction (automatic: ${kind} at 002_outside.sql:3)`;

  describe(`${target.name}: a migration outside a transaction, automatically`, () => {
    let db: TestDb | undefined;
    let project: Project | undefined;
    const open = async (migrations: Record<string, string>) => {
      db = await target.createDatabase();
      project = makeProject(migrations);
      const url = db.url;
      const dir = project.dir;
      return (args: readonly string[]): Promise<CliResult> => runCli([...args, "--url", url], { cwd: dir });
    };

    afterEach(async () => {
      await db?.drop();
      project?.cleanup();
    });

    it("plan, plan --json, up --dry-run, up and up --json say so", async () => {
      const cli = await open(files);
      const plan = await cli(["plan"]);
      expect(plan.code, plan.output).toBe(0);
      expect(plan.stdout).toMatch(/ 2 +002 +outside +pending +no\n/);
      expect(plan.stdout).toContain(note);

      const json = await cli(["plan", "--json"]);
      expect(json.code, json.output).toBe(0);
      const steps = (JSON.parse(json.stdout) as { steps: { version: string; transaction: boolean; outsideTransaction: string | null; statements: number | null }[] }).steps;
      expect(steps.map((s) => [s.version, s.transaction, s.outsideTransaction, s.statements])).toEqual([
        ["001", true, null, 1],
        ["002", false, `automatic: ${kind} at 002_outside.sql:3`, 1],
      ]);

      const dry = await cli(["up", "--dry-run"]);
      expect(dry.code, dry.output).toBe(0);
      expect(dry.stdout).toContain(`002_outside.sql: runs outside a transaction (automatic: ${kind} at 002_outside.sql:3)`);

      const up = await cli(["up", "--to", "001"]);
      expect(up.code, up.output).toBe(0);
      const rest = await cli(["up", "--json"]);
      expect(rest.code, rest.output).toBe(0);
      const events = rest.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.find((e) => e["type"] === "migration:start")).toMatchObject({ version: "002", outsideTransaction: `automatic: ${kind} at 002_outside.sql:3` });
      expect(events.find((e) => e["type"] === "log")).toMatchObject({ level: "info", version: "002", message: note });
      expect(events.at(-1)).toMatchObject({ type: "run:end", ok: true, applied: 1 });

      const status = await cli(["status", "--json"]);
      expect((JSON.parse(status.stdout) as { migrations: { state: string }[] }).migrations.map((m) => m.state)).toEqual(["applied", "applied"]);
    });

    it("up prints the line before the migration runs", async () => {
      const cli = await open(files);
      const up = await cli(["up"]);
      expect(up.code, up.output).toBe(0);
      expect(up.stdout).toContain(note);
      expect(up.stdout.indexOf(note)).toBeLessThan(up.stdout.indexOf("applying 002_outside"));
    });

    it("a mix with transactional statements is refused by plan and up, exit 3, each statement named, nothing created", async () => {
      const cli = await open({ ...files, "002_outside.sql": `-- migrate:up\nCREATE TABLE tags (id INTEGER);\n${statement}\n` });
      for (const args of [["plan"], ["up"], ["up", "--dry-run"]]) {
        const result = await cli(args);
        expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(3);
        expect(result.stderr).toContain(`migration 002_outside mixes statements that cannot run inside a transaction (${kind} at 002_outside.sql:3) with statements that can (002_outside.sql:2)`);
        expect(result.stderr).toContain("fix: split it");
        expect(result.stderr).toContain("`-- stratum:transaction off`");
      }
      expect(await db?.tables()).toEqual([]);
    });
  });
});
