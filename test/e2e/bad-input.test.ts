import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationTemplate } from "../../src/source/create.js";
import { runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

/**
 * Bad input is a feature: every case gets one clear sentence naming what and where, the right
 * exit code, no stack trace, and an unchanged database.
 */
interface BadInput {
  readonly name: string;
  /** Files to add to the project (relative to the project root). */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  readonly args: readonly string[];
  readonly code: number;
  /** Every string must appear in stderr. */
  readonly mentions: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly setup?: (project: Project) => void;
}

const good = "-- migrate:up\nCREATE TABLE base (id INTEGER);\n-- migrate:down\nDROP TABLE base;\n";
const m = (name: string, text: string | Buffer) => ({ [`migrations/${name}`]: text });

const cases: readonly BadInput[] = [
  { name: "a file name with a dash instead of an underscore", files: m("2-create.sql", good), args: ["up"], code: 3, mentions: ["2-create.sql"] },
  { name: "a file name with upper case and spaces", files: m("002_Create Things.sql", good), args: ["up"], code: 3, mentions: ["002_Create Things.sql"] },
  { name: "a file name without a version", files: m("create_things.sql", good), args: ["up"], code: 3, mentions: ["create_things.sql"] },
  { name: "duplicate versions 001 and 1", files: m("1_again.sql", good), args: ["up"], code: 3, mentions: ["001_base.sql", "1_again.sql"] },
  { name: "a down file without its up file", files: m("002_orphan.down.sql", "DROP TABLE x;\n"), args: ["up"], code: 3, mentions: ["002_orphan.down.sql"] },
  { name: "an unknown directive", files: m("002_x.sql", "-- stratum:frobnicate yes\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["002_x.sql:1"] },
  { name: "a bad transaction value", files: m("002_x.sql", "-- stratum:transaction maybe\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["002_x.sql:1"] },
  { name: "a duplicated up marker", files: m("002_x.sql", "-- migrate:up\nCREATE TABLE x (id INTEGER);\n-- migrate:up\nCREATE TABLE y (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["002_x.sql:3"] },
  // an empty up section is a no-op now (conventions-parse.test.ts); the unfilled template is not
  { name: "the unfilled `stratum create` template", files: m("002_x.sql", migrationTemplate("sql", "x")), args: ["up"], code: 3, mentions: ["002_x.sql", "template"] },
  { name: "an unknown dependency", files: m("002_x.sql", "-- stratum:depends 999\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["002_x", "999"] },
  { name: "a dependency on a later migration", files: { ...m("002_x.sql", "-- stratum:depends 003\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), ...m("003_y.sql", "-- migrate:up\nCREATE TABLE y (id INTEGER);\n") }, args: ["up"], code: 3, mentions: ["002_x", "003"] },
  { name: "a dependency on itself", files: m("002_x.sql", "-- stratum:depends 002\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["002_x"] },
  { name: "a dependency cycle in graph mode", files: { ...m("002_x.sql", "-- stratum:depends 003\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), ...m("003_y.sql", "-- stratum:depends 002\n-- migrate:up\nCREATE TABLE y (id INTEGER);\n") }, args: ["up", "--ordering", "graph"], code: 3, mentions: ["002_x", "003_y"] },
  { name: "invalid UTF-8", files: m("002_x.sql", Buffer.from([0x2d, 0x2d, 0x20, 0xff, 0xfe, 0x0a, 0x53, 0x45, 0x4c])), args: ["up"], code: 3, mentions: ["002_x.sql"] },
  { name: "a NUL byte", files: m("002_x.sql", Buffer.from("-- migrate:up\nCREATE TABLE x (id INTEGER);\0\n")), args: ["up"], code: 3, mentions: ["002_x.sql"] },
  { name: "a code migration without up()", files: m("002_x.ts", "export const description = 'nothing here';\n"), args: ["up"], code: 3, mentions: ["002_x.ts"] },
  { name: "a code migration that throws on import", files: m("002_x.mjs", "throw new Error('boom at import');\nexport async function up() {}\n"), args: ["up"], code: 3, mentions: ["002_x.mjs", "boom at import"] },
  { name: "a code migration with a syntax error", files: m("002_x.ts", "export async function up(ctx {\n"), args: ["up"], code: 3, mentions: ["002_x.ts"] },
  { name: "an unmet server requirement", files: m("002_x.sql", "-- stratum:requires sqlite>=99\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["002_x.sql:1", "sqlite>=99"] },
  { name: "an out-of-order file", setup: (p) => p.migration("000_early.sql", "-- migrate:up\nCREATE TABLE early (id INTEGER);\n"), args: ["up"], code: 3, mentions: ["000_early", "--allow-out-of-order"] },
  { name: "an unknown config key", files: { "stratum.config.json": '{ "lockTimout": 5 }' }, args: ["up"], code: 2, mentions: ["lockTimout", "stratum.config.json", "lockTimeout"] },
  { name: "a config value of the wrong type", files: { "stratum.config.json": '{ "parallel": "many" }' }, args: ["up"], code: 2, mentions: ["parallel", "stratum.config.json"] },
  { name: "a config file with a JSON syntax error", files: { "stratum.config.json": '{\n  "dir": "migrations",\n  oops\n}' }, args: ["up"], code: 2, mentions: ["stratum.config.json", "3"] },
  { name: "an unknown environment", files: { "stratum.config.json": '{ "environments": { "production": { "protected": true } } }' }, args: ["up", "--env", "staging"], code: 2, mentions: ["staging", "production"] },
  { name: "a bad ordering in the environment", args: ["up"], env: { STRATUM_ORDERING: "sideways" }, code: 2, mentions: ["STRATUM_ORDERING"] },
  { name: "a non-numeric --step", args: ["up", "--step", "abc"], code: 2, mentions: ["--step", "abc"] },
  { name: "a non-numeric --lock-timeout", args: ["up", "--lock-timeout", "soon"], code: 2, mentions: ["lock", "soon"] },
  { name: "--to together with --step on down", args: ["down", "--to", "1", "--step", "1"], code: 2, mentions: ["--to", "--step"] },
  { name: "an unknown command", args: ["upp"], code: 2, mentions: ["upp"] },
  { name: "an unsupported URL scheme", args: ["up", "--url", "oracle://scott:tiger@db/orcl"], code: 2, mentions: ["oracle"] },
  { name: "a missing migrations directory", args: ["up", "--dir", "nowhere"], code: 2, mentions: ["nowhere"] },
  { name: "down --to an unknown version", args: ["down", "--to", "77"], code: 3, mentions: ["77"] },
  { name: "resolve of a migration that is not dirty", args: ["resolve", "001", "--applied", "--yes"], code: 3, mentions: ["001"] },
  { name: "a symlink that escapes the migrations directory", setup: (p) => { writeFileSync(join(p.dir, "outside.sql"), good); symlinkSync(join(p.dir, "outside.sql"), join(p.migrations, "002_escape.sql")); }, args: ["up"], code: 3, mentions: ["002_escape.sql"] },
  { name: "an unterminated string literal", files: m("002_x.sql", "-- migrate:up\nCREATE TABLE x (id INTEGER);\nINSERT INTO x VALUES ('oops);\n"), args: ["up"], code: 3, mentions: ["002_x.sql:3", "unterminated"] },
  { name: "an unterminated trigger body", files: m("002_x.sql", "-- migrate:up\nCREATE TRIGGER t AFTER INSERT ON base BEGIN\n  SELECT 1;\n"), args: ["up"], code: 3, mentions: ["002_x.sql:2", "unterminated"] },
  { name: "a statement failing on line 4", files: m("002_x.sql", "-- migrate:up\nCREATE TABLE x (id INTEGER);\n\nINSERT INTO nosuch VALUES (1);\n"), args: ["up"], code: 1, mentions: ["002_x.sql:4", "nosuch"] },
];

function fingerprint(file: string): string {
  return existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex") : "absent";
}

describe("bad input on SQLite: one sentence, the right exit code, nothing changed", () => {
  // one project migrated to 001 by the CLI; every case starts from a copy of its files (database and lock file)
  let template: Project;
  beforeAll(async () => {
    template = makeProject({ "001_base.sql": good });
    const up = await runCli(["up"], { cwd: template.dir });
    expect(up.code, up.output).toBe(0);
  });
  afterAll(() => template.cleanup());

  const migrated = (): Project => {
    const project = makeProject({ "001_base.sql": good });
    for (const entry of readdirSync(template.dir, { withFileTypes: true })) {
      if (entry.isFile()) copyFileSync(join(template.dir, entry.name), join(project.dir, entry.name));
    }
    return project;
  };

  it.concurrent.for(cases)("$name", async (c, { expect }) => {
    const project = migrated();
    try {
      const dbFile = join(project.dir, "stratum.db");
      for (const [path, text] of Object.entries(c.files ?? {})) project.write(path, text as string);
      c.setup?.(project);
      const before = fingerprint(dbFile);
      const result = await runCli(c.args, { cwd: project.dir, ...(c.env ? { env: c.env } : {}) });
      expect(result.code, result.output).toBe(c.code);
      for (const text of c.mentions) expect(result.stderr, result.output).toContain(text);
      expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
      expect(result.stderr.trim().length).toBeGreaterThan(10);
      // a failing statement in a transaction leaves the file's content as it was, but SQLite may rewrite pages;
      // compare the schema and the applied rows rather than bytes for that case
      if (c.code !== 1) expect(fingerprint(dbFile)).toBe(before);
      const status = await runCli(["status", "--json", ...(c.args.includes("--ordering") ? [] : [])], { cwd: project.dir });
      if (status.code === 0) {
        const parsed = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
        expect(parsed.migrations.filter((x) => x.state === "applied").map((x) => x.version)).toEqual(["001"]);
      }
    } finally {
      project.cleanup();
    }
  });

  it.concurrent("a wrong password in a PostgreSQL URL exits 5 and never prints the password", async ({ expect }) => {
    const project = migrated();
    try {
      const result = await runCli(["status", "--url", "postgres://postgres:Sup3r%24ecret@127.0.0.1:1/nodb"], { cwd: project.dir });
      expect(result.code, result.output).toBe(5);
      expect(result.output).not.toContain("Sup3r");
      expect(result.output).not.toContain("ecret");
      expect(result.stderr).toContain("127.0.0.1");
    } finally {
      project.cleanup();
    }
  });
});
