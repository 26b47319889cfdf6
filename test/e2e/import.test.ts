import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject } from "../support/project.js";

/**
 * `stratum import --from <tool> <dir>`: another tool's directory converted into Stratum's own
 * files, which Stratum then applies; nothing is ever overwritten, and bad input is one sentence
 * with exit 2.
 */
describe("stratum import", () => {
  it("converts a golang-migrate directory; the files apply on SQLite; a second import refuses to overwrite", async () => {
    const project = makeProject();
    try {
      project.write("db/1_CreateUsers.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n");
      project.write("db/1_CreateUsers.down.sql", "DROP TABLE users;\n");
      project.write("db/2_AddIndex.up.sql", "CREATE INDEX users_email ON users (email);\n");
      project.write("db/2_AddIndex.down.sql", "");
      project.write("db/3_Seed.up.sql", "INSERT INTO users (email) VALUES ('a@example.com');\n");
      const imported = await runCli(["import", "--from", "golang-migrate", "db"], { cwd: project.dir });
      expect(imported.code, imported.output).toBe(0);
      expect(imported.stdout).toContain("imported 3 golang-migrate migrations from db into migrations:");
      expect(imported.stdout).toContain("1_create_users.sql <- 1_CreateUsers.up.sql, 1_CreateUsers.down.sql");
      expect(readdirSync(project.migrations).sort()).toEqual(["1_create_users.sql", "2_add_index.sql", "3_seed.sql"]);
      expect(readFileSync(join(project.migrations, "1_create_users.sql"), "utf8")).toBe(
        "-- Imported from golang-migrate: 1_CreateUsers.up.sql, 1_CreateUsers.down.sql\n\n-- migrate:up\n" +
          "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n\n-- migrate:down\nDROP TABLE users;\n",
      );
      // the source directory is untouched
      expect(readdirSync(join(project.dir, "db")).length).toBe(5);

      const up = await runCli(["up"], { cwd: project.dir });
      expect(up.code, up.output).toBe(0);
      const status = await runCli(["status", "--json"], { cwd: project.dir });
      const report = JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] };
      expect(report.migrations.map((m) => [m.version, m.state])).toEqual([
        ["1", "applied"],
        ["2", "applied"],
        ["3", "applied"],
      ]);

      const before = readFileSync(join(project.migrations, "3_seed.sql"), "utf8");
      const again = await runCli(["import", "--from", "golang-migrate", "db"], { cwd: project.dir });
      expect(again.code, again.output).toBe(2);
      expect(again.stderr).toContain("3 files to be written already exist in");
      expect(again.output).not.toMatch(/\n\s+at /);
      expect(readFileSync(join(project.migrations, "3_seed.sql"), "utf8")).toBe(before);
    } finally {
      project.cleanup();
    }
  });

  it("--json prints what was written", async () => {
    const project = makeProject();
    try {
      project.write("db/1_CreateUsers.up.sql", "CREATE TABLE users (id INTEGER);\n");
      const result = await runCli(["import", "--from", "golang-migrate", "db", "--out", "converted", "--json"], { cwd: project.dir });
      expect(result.code, result.output).toBe(0);
      const json = JSON.parse(result.stdout) as { from: string; migrations: { version: string; files: { name: string }[] }[] };
      expect(json.from).toBe("golang-migrate");
      expect(json.migrations.map((m) => [m.version, m.files.map((f) => f.name)])).toEqual([["1", ["1_create_users.sql"]]]);
      expect(existsSync(join(project.dir, "converted", "1_create_users.sql"))).toBe(true);
    } finally {
      project.cleanup();
    }
  });

  it("bad input: one sentence, exit 2, nothing written", async () => {
    const project = makeProject();
    try {
      project.write("db/1_a.up.sql", "SELECT 1;\n");
      const cases: [string[], string][] = [
        [["import", "db"], "error: import needs --from <tool>, the tool whose migrations these are"],
        [["import", "--from", "liquibase", "db"], 'error: unknown tool "liquibase" for --from'],
        [["import", "--from", "goose", "nowhere"], "error: nowhere does not exist"],
        [["import", "--from", "goose"], "error: missing the argument <dir>"],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(args, { cwd: project.dir });
        expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(2);
        expect(result.stderr.split("\n")[0]).toBe(message);
        expect(result.output).not.toMatch(/\n\s+at /);
      }
      expect(readdirSync(project.migrations)).toEqual([]);
    } finally {
      project.cleanup();
    }
  });
});
