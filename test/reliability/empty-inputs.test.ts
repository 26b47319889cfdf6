import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "vitest";
import { runCli } from "../support/cli.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";

/**
 * Inputs that hostile-input.test.ts once refused as "no SQL" and issue 12 makes a convention: a
 * migration holding no SQL (an empty file, blanks, comments only, a lone byte-order mark, only
 * semicolons — a million of them — or directives alone) is applied as a no-op and recorded, with a
 * warning naming the file; nothing else in the database changes. (An unterminated comment stays
 * refused there.)
 */
const BASE = "-- migrate:up\nCREATE TABLE base (id INTEGER);\n-- migrate:down\nDROP TABLE base;\n";
const up = (sql: string) => `-- migrate:up\n${sql}\n`;

interface EmptyCase {
  readonly name: string;
  readonly files: Readonly<Record<string, string | Buffer>>;
  /** The file the warning names. */
  readonly file: string;
}

const CASES: readonly EmptyCase[] = [
  { name: "an empty (0-byte) SQL file", files: { "002_x.sql": "" }, file: "002_x.sql" },
  { name: "a file of spaces, tabs and blank lines", files: { "002_x.sql": " \t\n\n   \r\n\t\n" }, file: "002_x.sql" },
  { name: "a file holding only line comments", files: { "002_x.sql": "-- nothing to see here\n-- really nothing\n" }, file: "002_x.sql" },
  { name: "a file holding only a block comment", files: { "002_x.sql": "/* a block\n   comment only */\n" }, file: "002_x.sql" },
  { name: "a file holding only a byte-order mark", files: { "002_x.sql": Buffer.from([0xef, 0xbb, 0xbf]) }, file: "002_x.sql" },
  { name: "an up section of only semicolons", files: { "002_x.sql": up(";\n;;\n ; ;") }, file: "002_x.sql" },
  { name: "an up section of a million semicolons", files: { "002_x.sql": up(";".repeat(1_000_000)) }, file: "002_x.sql" },
  { name: "an empty .up.sql beside a real .down.sql", files: { "002_x.up.sql": "-- nothing yet\n", "002_x.down.sql": "DROP TABLE IF EXISTS x;\n" }, file: "002_x.up.sql" },
  { name: "a header of directives and no SQL at all", files: { "002_x.sql": "-- stratum:description does nothing\n-- stratum:depends 001\n" }, file: "002_x.sql" },
];

interface StatusJson {
  readonly migrations: readonly { readonly version: string; readonly state: string }[];
}

await describeEachTarget("a migration holding no SQL is applied as a no-op", (target) => {
  it.concurrent.for(CASES)("$name", async (c, { expect }) => {
    const db = await target.createDatabase();
    const project = makeProject({ "001_base.sql": BASE });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir, timeoutMs: 45_000 });
    try {
      const setup = await cli("up");
      expect(setup.code, setup.output).toBe(0);
      const tablesBefore = await db.tables();
      for (const [name, text] of Object.entries(c.files)) writeFileSync(join(project.migrations, name), text);

      const result = await cli("up");
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toMatch(/\n\s+at .*:\d+:\d+/);
      expect(result.output).toContain("002_x");
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(0);
      expect(validate.output).toContain(`warning  EMPTY_MIGRATION  ${c.file}`);

      const status = await cli("status", "--json");
      const states = (JSON.parse(status.stdout) as StatusJson).migrations.map((m) => [m.version, m.state]);
      expect(states).toEqual([["001", "applied"], ["002", "applied"]]);
      expect(await db.tables()).toEqual(tablesBefore);
    } finally {
      await db.drop();
      project.cleanup();
    }
  });
});
