import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Confirmation, ConfirmFn, Migrator } from "../../src/api-types.js";
import { resolveConfig } from "../../src/config/load.js";
import { ConfigError, InterruptedError } from "../../src/core/errors.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { postgresTarget, sqliteTarget, type TestDb } from "../support/targets.js";

/**
 * The library asks before it changes a protected environment: under the lock, after planning, so
 * the plan confirmed is the plan that runs. No `confirm` refuses; `false` cancels; a throw
 * propagates; nothing is changed in any of the three.
 */
const sql = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER);\n-- migrate:down\nDROP TABLE ${table};\n`;

async function migratorFor(project: Project, url: string, protectedEnv: boolean): Promise<Migrator> {
  const config = await resolveConfig({ cwd: project.dir, searchCwd: false, flags: {}, environment: {}, overrides: { url, dir: project.migrations, protected: protectedEnv } });
  return createMigratorFromConfig(config);
}

/** A confirm function that records what it was asked and answers `answer`. */
function recording(answer: boolean | (() => never)): ConfirmFn & { readonly asked: Confirmation[] } {
  const asked: Confirmation[] = [];
  const fn = (confirmation: Confirmation) => {
    asked.push(confirmation);
    return typeof answer === "function" ? answer() : Promise.resolve(answer);
  };
  return Object.assign(fn, { asked });
}

async function refusal(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a refusal");
}

const applied = async (migrator: Migrator) => (await migrator.status()).migrations.filter((m) => m.state === "applied").map((m) => m.version);

eachTarget([sqliteTarget(), await postgresTarget()], "down asks on a protected environment", (target) => {
  describe(`down on ${target.name}`, () => {
    let project: Project;
    let db: TestDb;
    let migrator: Migrator;
    beforeEach(async () => {
      project = makeProject({ "001_a.sql": sql("a"), "002_b.sql": sql("b"), "003_c.sql": sql("c") });
      db = await target.createDatabase();
      migrator = await migratorFor(project, db.url, true);
      await migrator.up();
    });
    afterEach(async () => {
      await migrator.close();
      await db.drop();
      project.cleanup();
    });

    it("refuses without confirm, naming the option, and changes nothing", async () => {
      const error = await refusal(migrator.down({ step: 2 }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("USAGE");
      expect(error.message).toBe('refusing to roll back 2 migrations on the protected environment "development" without confirmation');
      expect((error as ConfigError).fix).toContain("confirm");
      expect((error as ConfigError).fix).not.toContain("--yes");
      expect(await applied(migrator)).toEqual(["001", "002", "003"]);
    });

    it("asks with the plan's action, environment and database, then runs it", async () => {
      const confirm = recording(true);
      const report = await migrator.down({ step: 1, confirm });
      expect(confirm.asked).toEqual([{ action: "roll back 1 migration (003_c)", environment: "development", database: migrator.database }]);
      expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["003", "rolled_back"]]);
      expect(await applied(migrator)).toEqual(["001", "002"]);
    });

    it("a false answer cancels and changes nothing", async () => {
      const error = await refusal(migrator.down({ all: true, confirm: recording(false) }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe("cancelled: did not roll back 3 migrations; nothing was changed");
      expect(await applied(migrator)).toEqual(["001", "002", "003"]);
    });

    it("a throwing confirm propagates its error and changes nothing", async () => {
      const thrown = new InterruptedError("interrupted while waiting for confirmation; nothing was changed");
      const error = await refusal(migrator.down({ step: 1, confirm: recording(() => { throw thrown; }) }));
      expect(error).toBe(thrown);
      expect(await applied(migrator)).toEqual(["001", "002", "003"]);
    });

    it("a dry run, and a down with nothing to roll back, ask nothing", async () => {
      const confirm = recording(false);
      await migrator.down({ step: 1, dryRun: true, confirm });
      const empty = await migratorFor(project, (await target.createDatabase()).url, true);
      try {
        expect((await empty.down({ confirm })).migrations).toEqual([]);
      } finally {
        await empty.close();
      }
      expect(confirm.asked).toEqual([]);
    });
  });
});

describe("confirmation of the other destructive operations (SQLite)", () => {
  let project: Project;
  let url: string;
  beforeEach(() => {
    project = makeProject({ "001_a.sql": sql("a"), "002_b.sql": sql("b") });
    url = `sqlite:${join(project.dir, "app.db")}`;
  });
  afterEach(() => project.cleanup());

  it("an unprotected environment asks nothing", async () => {
    const migrator = await migratorFor(project, url, false);
    const confirm = recording(false);
    try {
      await migrator.up();
      await migrator.down({ step: 1, confirm });
      await migrator.redo({ confirm });
      expect(confirm.asked).toEqual([]);
    } finally {
      await migrator.close();
    }
  });

  it("redo asks once, for the whole redo", async () => {
    const migrator = await migratorFor(project, url, true);
    try {
      await migrator.up();
      const confirm = recording(true);
      const report = await migrator.redo({ confirm });
      expect(confirm.asked.map((c) => c.action)).toEqual(["redo 002_b (roll it back and apply it again)"]);
      expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["002", "rolled_back"], ["002", "applied"]]);
      const refused = await refusal(migrator.redo({ confirm: recording(false) }));
      expect(refused.message).toBe("cancelled: did not redo 002_b (roll it back and apply it again); nothing was changed");
      expect(await applied(migrator)).toEqual(["001", "002"]);
    } finally {
      await migrator.close();
    }
  });

  it("repair asks when it has something to change, not in a dry run", async () => {
    const migrator = await migratorFor(project, url, true);
    try {
      await migrator.up();
      project.migration("002_b.sql", `${sql("b")}-- edited\n`);
      const confirm = recording(false);
      expect((await migrator.repair({ dryRun: true, confirm })).updated).toHaveLength(1);
      expect(confirm.asked).toEqual([]);
      const refused = await refusal(migrator.repair());
      expect(refused.message).toBe('refusing to repair the migration history (re-record changed checksums) on the protected environment "development" without confirmation');
      const cancelled = await refusal(migrator.repair({ removeMissing: true, confirm }));
      expect(cancelled.message).toBe(
        "cancelled: did not repair the migration history (re-record changed checksums and delete the rows of missing files); nothing was changed",
      );
      expect((await migrator.repair({ dryRun: true })).updated).toHaveLength(1);
      expect((await migrator.repair({ confirm: recording(true) })).updated).toHaveLength(1);
      expect((await migrator.repair()).updated).toHaveLength(0);
    } finally {
      await migrator.close();
    }
  });

  it("resolve asks with the version and outcome", async () => {
    const migrator = await migratorFor(project, url, true);
    try {
      // outside a transaction, a failure leaves a dirty (failed) state row
      project.migration("003_bad.sql", "-- stratum:transaction off\n-- migrate:up\nCREATE TABLE c (id INTEGER);\nSELECT * FROM nowhere;\n-- migrate:down\nDROP TABLE c;\n");
      await migrator.up({}).catch(() => undefined);
      expect((await migrator.status()).migrations.find((m) => m.version === "003")?.state).toBe("failed");
      const cancelled = await refusal(migrator.resolve("003", "rolled-back", { confirm: recording(false) }));
      expect(cancelled.message).toBe("cancelled: did not mark 003 as rolled back; nothing was changed");
      const confirm = recording(true);
      const row = await migrator.resolve("003", "applied", { confirm });
      expect(confirm.asked.map((c) => c.action)).toEqual(["mark 003 as applied"]);
      expect(row.state).toBe("applied");
    } finally {
      await migrator.close();
    }
  });

  it("baseline asks before creating anything", async () => {
    const migrator = await migratorFor(project, url, true);
    try {
      const refused = await refusal(migrator.baseline("001"));
      expect(refused.message).toBe(
        'refusing to baseline at version 001 (record every migration up to it as applied without running it) on the protected environment "development" without confirmation',
      );
      expect((await migrator.history()).length).toBe(0);
      const confirm = recording(true);
      expect(await migrator.baseline("001", { confirm })).toEqual(["001"]);
      expect(confirm.asked.map((c) => c.action)).toEqual(["baseline at version 001 (record every migration up to it as applied without running it)"]);
    } finally {
      await migrator.close();
    }
  });

  it("an aborted signal stops every operation before it starts", async () => {
    const migrator = await migratorFor(project, url, false);
    const signal = AbortSignal.abort("SIGINT");
    try {
      for (const run of [
        () => migrator.status({ signal }),
        () => migrator.plan({ direction: "up", signal }),
        () => migrator.validate({ signal }),
        () => migrator.history({ signal }),
        () => migrator.stats({ signal }),
        () => migrator.graph({ signal }),
        () => migrator.repair({ signal }),
        () => migrator.resolve("001", "applied", { signal }),
        () => migrator.baseline("001", { signal }),
      ]) {
        const error = await refusal(run());
        expect(error).toBeInstanceOf(InterruptedError);
        expect(error.message).toBe("interrupted by SIGINT; nothing was changed");
      }
      expect(await migrator.history()).toEqual([]);
    } finally {
      await migrator.close();
    }
  });
});
