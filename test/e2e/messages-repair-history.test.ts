// `history --version` and `repair` say what is true about the database they looked at, and
// name the exact command that does what a dry run showed.

import { expect } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TestDb } from "../support/targets.js";
import { describeTargets, type TestContextLike } from "../reliability/fixture-set.js";

const targets: Target[] = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

const files = {
  "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
  "002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n",
  "003_c.sql": "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n",
};

async function applied(target: Target, ctx: TestContextLike): Promise<{ db: TestDb; project: Project; cli: (args: readonly string[]) => ReturnType<typeof runCli> }> {
  const db = await target.createDatabase();
  const project = makeProject(files);
  ctx.onTestFinished(async () => {
    await db.drop();
    project.cleanup();
  });
  const cli = (args: readonly string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
  const up = await cli(["up"]);
  expect(up.code, up.output).toBe(0);
  return { db, project, cli };
}

describeTargets("history and repair say what is there", targets, (target, test) => {
  test("history --version of a version without entries says so, not 'no history yet'", async (ctx) => {
    const { cli } = await applied(target, ctx);
    const result = await cli(["history", "--version", "7"]);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).not.toMatch(/no history yet|nothing has been applied/);
    expect(result.stdout).toMatch(/^no history for version 7: the log has no entry for it; `stratum history` lists every entry$/m);
    const found = await cli(["history", "--version", "2"]);
    expect(found.stdout).toMatch(/apply\s+002_b\s+success/);
  });

  test("repair --dry-run with a missing file reports it and the command that removes its row", async (ctx) => {
    const { cli, project } = await applied(target, ctx);
    project.remove("migrations/002_b.sql");
    const result = await cli(["repair", "--dry-run"]);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).not.toMatch(/every applied migration matches/);
    expect(result.stdout).toMatch(
      /^the file of 002 is gone but its row stays: restore the file, or run `stratum repair --remove-missing` to delete the row$/m,
    );
    const json = await cli(["repair", "--dry-run", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ updated: [], removed: [], missing: ["002"], renamed: [] });
    // without --dry-run it says the same, and changes nothing
    const real = await cli(["repair"]);
    expect(real.code, real.output).toBe(0);
    expect(real.stdout).not.toMatch(/every applied migration matches/);
    expect(real.stdout).toMatch(/the file of 002 is gone but its row stays/);
    const status = await cli(["status"]);
    expect(status.stdout).toMatch(/002\s+b\s+.*missing/);
  });

  test("repair --remove-missing --dry-run names the command that does it for real", async (ctx) => {
    const { cli, project } = await applied(target, ctx);
    project.remove("migrations/002_b.sql");
    const dry = await cli(["repair", "--remove-missing", "--dry-run"]);
    expect(dry.code, dry.output).toBe(0);
    expect(dry.stdout).toMatch(/would remove the row of 002 \(its file is gone\)/);
    expect(dry.stdout).toMatch(/^dry run: nothing was changed; run `stratum repair --remove-missing` to make these changes$/m);
    const real = await cli(["repair", "--remove-missing"]);
    expect(real.code, real.output).toBe(0);
    expect(real.stdout).toMatch(/removed the row of 002 \(its file is gone\)/);
  });
});
