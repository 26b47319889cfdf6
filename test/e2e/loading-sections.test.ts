import { it } from "vitest";
import { runCli } from "../support/cli.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";

/**
 * Item 14: an unterminated block comment, string or dollar quote in any section — including one
 * that starts in the down section, where it would swallow the rest — is BAD_SECTION at the
 * opening's file:line, from validate, up and down, and nothing runs.
 */
const GOOD = "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";

interface Case {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly where: string;
  readonly kind: string;
  readonly only?: string;
}

const cases: readonly Case[] = [
  {
    name: "a /* that starts the down section and is never closed",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\n/* drop it\nDROP TABLE b;\n" },
    where: "002_b.sql:4",
    kind: "block comment",
  },
  {
    name: "a /* after a closed comment in the down section",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\n-- note\n/* fine */\n\n  /* open\nDROP TABLE b;\n" },
    where: "002_b.sql:7",
    kind: "block comment",
  },
  {
    name: "a /* that starts the .down.sql of a pair",
    files: { "002_b.up.sql": "CREATE TABLE b (id INTEGER);\n", "002_b.down.sql": "\n/* DROP TABLE b;\n" },
    where: "002_b.down.sql:2",
    kind: "block comment",
  },
  {
    name: "a /* that starts the verify section",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n-- migrate:verify\n/* SELECT 1;\n" },
    where: "002_b.sql:6",
    kind: "block comment",
  },
  {
    name: "a /* that is the whole up section",
    files: { "002_b.sql": "-- migrate:up\n/* CREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n" },
    where: "002_b.sql:2",
    kind: "block comment",
  },
  {
    name: "a /* in the up section that runs past the down marker",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER); /* note\n-- migrate:down\nDROP TABLE b;\n*/\n" },
    where: "002_b.sql:2",
    kind: "block comment",
  },
  {
    name: "a string in the up section that runs past the down marker",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES ('x\n-- migrate:down\n');\n" },
    where: "002_b.sql:3",
    kind: "string literal",
  },
  {
    name: "a dollar quote in the up section that runs past the down marker",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\nDO $$ BEGIN\n-- migrate:down\nEND $$;\n" },
    where: "002_b.sql:3",
    kind: "dollar-quoted string",
    only: "postgres",
  },
  {
    name: "a string opened in the down section",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\nSELECT 'oops;\n" },
    where: "002_b.sql:5",
    kind: "string literal",
  },
  {
    name: "a dollar quote opened in the down section",
    files: { "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\nDO $$ BEGIN PERFORM 1; END;\n" },
    where: "002_b.sql:5",
    kind: "dollar-quoted string",
    only: "postgres",
  },
];

await describeEachTarget("unterminated constructs in any section", (target) => {
  for (const c of cases.filter((c) => c.only === undefined || c.only === target.name)) {
    it.concurrent(`${c.name}: validate and up refuse, naming ${c.where}`, async ({ expect }) => {
      const db = await target.createDatabase();
      const project = makeProject({ "001_a.sql": GOOD, ...c.files });
      const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
      try {
        for (const args of [["validate"], ["up"], ["up", "--dry-run"]]) {
          const result = await cli(...args);
          expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(3);
          if (args[0] === "validate") expect(result.output).toContain("BAD_SECTION");
          expect(result.output).toContain(`unterminated ${c.kind} starting at ${c.where}`);
          expect(result.output).not.toMatch(/\n\s+at /);
        }
        expect((await db.tables()).filter((t) => t === "a" || t === "b")).toEqual([]);
      } finally {
        project.cleanup();
        await db.drop();
      }
    });
  }

  it.concurrent("an applied migration whose down section was broken: repair refuses to record it, validate and down refuse, nothing is rolled back", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": GOOD, "002_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n" });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      expect((await cli("up")).code).toBe(0);
      for (const [down, where, kind] of [
        ["DROP TABLE b; SELECT 'oops;\n", "002_b.sql:4", "string literal"],
        ["\n/* DROP TABLE b;\n", "002_b.sql:5", "block comment"],
      ] as const) {
        project.migration("002_b.sql", `-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\n${down}`);
        // repair records no file it would have to run broken
        const repair = await cli("repair", "--yes");
        expect(repair.code, repair.output).toBe(3);
        expect(repair.output).toContain(`unterminated ${kind} starting at ${where}`);
        for (const args of [["validate"], ["down"], ["down", "--dry-run"], ["redo"]]) {
          const result = await cli(...args);
          expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(3);
          // validate lists every problem; a rollback stops at the unrecorded edit first
          expect(result.output).toContain(args[0] === "validate" ? `unterminated ${kind} starting at ${where}` : "002_b was changed after it was applied");
        }
        expect((await db.tables()).filter((t) => t === "a" || t === "b")).toEqual(["a", "b"]);
      }
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
  it.concurrent("an applied migration's up section is not checked again: validate passes and down runs", async ({ expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_a.sql": GOOD });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      expect((await cli("up")).code).toBe(0);
      // edited after it ran (and repaired): its up never runs again, so it stops nothing
      project.migration("001_a.sql", GOOD.replace("(id INTEGER);", "(id INTEGER); SELECT 'left open;"));
      expect((await cli("repair", "--yes")).code).toBe(0);
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(0);
      const down = await cli("down", "--yes");
      expect(down.code, down.output).toBe(0);
      expect((await db.tables()).filter((t) => t === "a")).toEqual([]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
