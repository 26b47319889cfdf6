import { it } from "vitest";
import { runCli } from "../support/cli.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";

/**
 * Issue 12, item 1 (the files as other tools write them): an empty migration is applied as a
 * no-op and recorded, an existing but empty down is a no-op rollback, a `.down.sql` may say how
 * its rollback runs, dbmate's `transaction:false` marker option is read — and the unfilled
 * `stratum create` template is still refused. Run through the built CLI on every dialect.
 */
const A = "-- migrate:up\nCREATE TABLE conv_a (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE conv_a;\n";

interface HistoryEntry {
  readonly version: string;
  readonly operation: string;
  readonly outcome: string;
}

interface StatusJson {
  readonly migrations: readonly { readonly version: string; readonly state: string }[];
}

await describeEachTarget("other tools' conventions, accepted as they are", (target) => {
  it.concurrent("an empty migration and empty downs: validate warns, up applies and records, down --all rolls back, up again", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({
      "001_a.sql": A,
      // dbmate's placeholder: both sections hold only comments
      "002_placeholder.sql": "-- migrate:up\n-- kept for another dialect only\n\n-- migrate:down\n-- nothing to undo\n",
      // golang-migrate's data change with an empty down: nothing to undo
      "003_seed.up.sql": "INSERT INTO conv_a (id) VALUES (1);\n",
      "003_seed.down.sql": "",
      // golang-migrate's placeholder pair: comments only in both files
      "004_moved.up.sql": "-- moved to 005\n",
      "004_moved.down.sql": "-- nothing to undo\n",
      "005_b.sql": "-- migrate:up\nCREATE TABLE conv_b (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE conv_b;\n",
    });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(0);
      expect(validate.output).toContain("warning  EMPTY_MIGRATION  002_placeholder.sql");
      expect(validate.output).toContain("002_placeholder.sql holds no SQL; it will be recorded as applied without running anything.");
      expect(validate.output).toContain("004_moved.up.sql holds no SQL");
      expect(validate.output).not.toContain("003_seed");
      expect((await cli("validate", "--strict")).code).not.toBe(0);

      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      expect(up.output).not.toMatch(/\n\s+at /);
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual(["conv_a", "conv_b"]);
      expect(await db.query("SELECT id FROM conv_a")).toEqual([{ id: 1 }]);

      const status = await cli("status", "--json");
      expect(status.code, status.output).toBe(0);
      const states = (JSON.parse(status.stdout) as StatusJson).migrations.map((m) => [m.version, m.state]);
      expect(states).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"], ["004", "applied"], ["005", "applied"]]);
      const statusText = await cli("status");
      expect(statusText.output).toContain("5 applied, 0 pending");
      // a warning is not something validate fails on
      expect(statusText.output).not.toContain("exits non-zero on these");

      const applies = JSON.parse((await cli("history", "--json")).stdout) as HistoryEntry[];
      expect(applies.map((e) => [e.version, e.operation, e.outcome])).toEqual([
        ["001", "apply", "success"],
        ["002", "apply", "success"],
        ["003", "apply", "success"],
        ["004", "apply", "success"],
        ["005", "apply", "success"],
      ]);

      const down = await cli("down", "--all", "--yes");
      expect(down.code, down.output).toBe(0);
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual([]);
      const after = JSON.parse((await cli("status", "--json")).stdout) as StatusJson;
      expect(after.migrations.every((m) => m.state !== "applied")).toBe(true);
      const log = JSON.parse((await cli("history", "--json")).stdout) as HistoryEntry[];
      expect(log.filter((e) => e.operation !== "apply").map((e) => [e.version, e.outcome])).toEqual([
        ["005", "success"],
        ["004", "success"],
        ["003", "success"],
        ["002", "success"],
        ["001", "success"],
      ]);

      const again = await cli("up");
      expect(again.code, again.output).toBe(0);
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual(["conv_a", "conv_b"]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("an empty file with no down at all is applied, but stays irreversible", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": A, "002_empty.sql": "" });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      const down = await cli("down", "--all", "--yes");
      expect(down.code, down.output).toBe(3);
      expect(down.output).toContain("002_empty has no `-- migrate:down` section or `.down.sql` file, so it cannot be rolled back");
      expect(down.output).not.toMatch(/\n\s+at /);
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual(["conv_a"]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a template from `stratum create` left unfilled is refused with one sentence, and nothing runs", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": A });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const create = await cli("create", "add_users");
      expect(create.code, create.output).toBe(0);
      expect(create.output).toContain("002_add_users.sql");
      for (const args of [["up"], ["up", "--dry-run"], ["validate"]]) {
        const result = await cli(...args);
        expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(3);
        expect(result.output).toContain('002_add_users.sql is the unfilled "stratum create" template: its up section holds only the placeholder comment');
        expect(result.output).toContain('Write the SQL under "-- migrate:up", or delete the file.');
        expect(result.output).not.toMatch(/\n\s+at /);
      }
      const up = await cli("up");
      expect(up.stderr.trim().split("\n")).toEqual([
        'error: 002_add_users.sql is the unfilled "stratum create" template: its up section holds only the placeholder comment',
        'fix: Write the SQL under "-- migrate:up", or delete the file.',
      ]);
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a dependency in a .down.sql is refused at its file:line, saying where it belongs", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({
      "001_a.sql": A,
      "002_b.up.sql": "CREATE TABLE conv_b (id INTEGER PRIMARY KEY);\n",
      "002_b.down.sql": "-- undo\n-- stratum:depends 001\nDROP TABLE conv_b;\n",
    });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      for (const args of [["up"], ["validate"]]) {
        const result = await cli(...args);
        expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(3);
        expect(result.output).toContain(
          '"-- stratum:depends" at 002_b.down.sql:2 cannot be in a down file: dependencies belong to the migration, declare them in 002_b.up.sql',
        );
        expect(result.output).not.toMatch(/\n\s+at /);
      }
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a marker option contradicting the header is refused naming both lines", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": `-- stratum:transaction on\n${A.replace("-- migrate:up", "-- migrate:up transaction:false")}` });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const result = await cli("up");
      expect(result.code, result.output).toBe(3);
      expect(result.output).toContain('"-- stratum:transaction on" at 001_a.sql:1 contradicts "transaction:false" on the marker at 001_a.sql:2');
      expect((await db.tables()).filter((t) => t.startsWith("conv_"))).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  if (target.name === "postgres") {
    const concurrentCases = [
      {
        name: "dbmate's `transaction:false` and a .down.sql's `transaction off` let CONCURRENTLY run both ways",
        files: {
          "002_idx.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY conv_a_id ON conv_a (id);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY conv_a_id;\n",
          "003_idx2.up.sql": "-- stratum:transaction off\nCREATE INDEX CONCURRENTLY conv_a_id2 ON conv_a (id);\n",
          "003_idx2.down.sql": "-- stratum:transaction off\nDROP INDEX CONCURRENTLY conv_a_id2;\n",
        },
      },
      {
        name: "a down alone outside a transaction: the up runs in one, the .down.sql's `transaction off` (or dbmate's down marker option) rolls back CONCURRENTLY",
        files: {
          "002_idx.sql": "-- migrate:up\nCREATE INDEX conv_a_id ON conv_a (id);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY conv_a_id;\n",
          "003_idx2.up.sql": "CREATE INDEX conv_a_id2 ON conv_a (id);\n",
          "003_idx2.down.sql": "-- stratum:transaction off\nDROP INDEX CONCURRENTLY conv_a_id2;\n",
        },
      },
    ];
    it.concurrent.for(concurrentCases)("$name", async ({ files }, { expect }) => {
      const db = await target.createDatabase();
      const project = makeProject({ "001_a.sql": A, ...files });
      const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
      const indexes = async () =>
        (await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'conv_a' AND indexname LIKE 'conv_a_id%' ORDER BY 1")).map((r) => r.indexname);
      try {
        const up = await cli("up");
        expect(up.code, up.output).toBe(0);
        expect(await indexes()).toEqual(["conv_a_id", "conv_a_id2"]);
        const down = await cli("down", "--to", "001", "--yes");
        expect(down.code, down.output).toBe(0);
        expect(await indexes()).toEqual([]);
      } finally {
        project.cleanup();
        await db.drop();
      }
    });
  }
});
