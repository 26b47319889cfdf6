// A table or index Stratum creates on SQLite has the same `sqlite_master.sql` as the sqlite3 shell
// stores for the same file, byte for byte, so a database switched to Stratum keeps its schema text.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/load.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { makeProject, type Project } from "../support/project.js";

const SHAPES: Record<string, string> = {
  "001_trailing_comments": "CREATE TABLE a (x INTEGER) -- the table\n;\nCREATE INDEX a_x ON a (x) -- why this index\n;\n",
  "002_crlf": "CREATE TABLE b (\r\n  y INTEGER\r\n);\r\nCREATE INDEX b_y ON b (y)\r\n;\r\n",
  "003_one_line": "CREATE TABLE c (z INTEGER); CREATE INDEX c_z ON c (z); CREATE VIEW cv AS SELECT z FROM c -- a view\n;\n",
  "004_strict_last_unterminated": "CREATE TABLE d (w INTEGER) STRICT /* strict */ ;\nCREATE UNIQUE INDEX d_w ON d (w)   \n",
  "005_trigger": "CREATE TRIGGER tr AFTER INSERT ON a BEGIN INSERT INTO c VALUES (new.x); END -- t\n;\n",
  "006_outside_transaction": "-- stratum:transaction off\nCREATE TABLE e (v INTEGER);\nCREATE INDEX e_v ON e (v) /* one */ -- two\n;\nCREATE INDEX e_v2 ON e (v)\n\n",
};

function hasShell(): boolean {
  try {
    execFileSync("sqlite3", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** What the shell does with a file: reads its lines (dropping `\r` before `\n`) and runs them. */
function runLikeShell(file: string, text: string): void {
  if (hasShell()) {
    execFileSync("sqlite3", [file], { input: text });
    return;
  }
  const db = new Database(file);
  db.exec(text.replaceAll("\r\n", "\n").replace(/\n$/, ""));
  db.close();
}

function schemaOf(file: string): { type: string; name: string; sql: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare("select type, name, sql from sqlite_master where name not like 'stratum%' and name not like 'sqlite_%' order by name")
      .all() as { type: string; name: string; sql: string }[];
  } finally {
    db.close();
  }
}

describe("SQLite executes each statement's exact text", () => {
  let project: Project;
  beforeEach(() => {
    project = makeProject();
    for (const [id, text] of Object.entries(SHAPES)) {
      project.migration(`${id}.up.sql`, text);
      project.migration(`${id}.down.sql`, "SELECT 1;\n");
    }
  });
  afterEach(() => project.cleanup());

  it("sqlite_master.sql is byte-identical to the sqlite3 shell's for the same files", async () => {
    const ours = join(project.dir, "stratum.db");
    const config = await resolveConfig({ cwd: project.dir, searchCwd: false, flags: {}, environment: {}, overrides: { url: `sqlite:${ours}`, dir: project.migrations } });
    const migrator = createMigratorFromConfig(config);
    try {
      const report = await migrator.up();
      expect(report.migrations.map((m) => m.status)).toEqual(Object.keys(SHAPES).map(() => "applied"));
    } finally {
      await migrator.close();
    }
    const theirs = join(project.dir, "shell.db");
    for (const id of Object.keys(SHAPES)) runLikeShell(theirs, readFileSync(join(project.migrations, `${id}.up.sql`), "utf8"));
    const expected = schemaOf(theirs);
    expect(expected.map((row) => row.name)).toEqual(["a", "a_x", "b", "b_y", "c", "c_z", "cv", "d", "d_w", "e", "e_v", "e_v2", "tr"]);
    expect(schemaOf(ours)).toEqual(expected);
    // the shapes do store what lies before the `;`: the comparison is not vacuous
    expect(expected.find((row) => row.name === "a_x")?.sql).toBe("CREATE INDEX a_x ON a (x) -- why this index\n");
  });
});
