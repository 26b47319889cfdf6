// The history table keeps a version as written; rows with versions in parts (Flyway's `1.1`,
// `2024.01.05.1`, as an adoption records them) must be read, ordered part by part, filtered and
// never taken for corruption, on a real database. Two spellings of one version (`1.1`, `1_1`)
// are one version recorded twice: corrupt.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Migrator } from "../../src/api-types.js";
import { resolveConfig } from "../../src/config/load.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type TestDb } from "../support/targets.js";

const sql = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER);\n-- migrate:down\nDROP TABLE ${table};\n`;

eachTarget([sqliteTarget(), await postgresTarget(), await mysqlTarget()], "history rows with versions in parts", (target) => {
  describe(`history rows with versions in parts on ${target.name}`, () => {
    let project: Project;
    let db: TestDb;
    let migrator: Migrator;
    beforeEach(async () => {
      project = makeProject({ "001_a.sql": sql("a"), "002_b.sql": sql("b") });
      db = await target.createDatabase();
      const config = await resolveConfig({ cwd: project.dir, searchCwd: false, flags: {}, environment: {}, overrides: { url: db.url, dir: project.migrations } });
      migrator = createMigratorFromConfig(config);
      await migrator.up();
    });
    afterEach(async () => {
      await migrator.close();
      await db.drop();
      project.cleanup();
    });

    const insert = async (version: string, name: string) => {
      await db.query(
        "insert into stratum_migrations (version, name, checksum, state, applied_at, duration_ms, batch, applied_by, statements_done, depends_on, error) values ($1, $2, 'x', 'applied', '2024-01-05T00:00:00.000Z', 1, 1, 'flyway', 0, '', null)".replace(/\$\d/g, target.name === "postgres" ? (m) => m : "?"),
        [version, name],
      );
    };

    it("are read, ordered part by part among the digits, and shown as missing files", async () => {
      await insert("2024.01.05.1", "seed");
      await insert("1.10", "index");
      await insert("1.2", "orders");
      const status = await migrator.status();
      expect(status.problems.map((p) => p.code)).not.toContain("CORRUPT_HISTORY");
      expect(status.migrations.map((m) => [m.version, m.state])).toEqual([
        ["001", "applied"],
        ["1.2", "missing"],
        ["1.10", "missing"],
        ["002", "applied"],
        ["2024.01.05.1", "missing"],
      ]);
      expect((await migrator.stats()).applied).toBe(5);
    });

    it("the same version written two ways is one version recorded twice", async () => {
      await insert("1.1", "users");
      await insert("1_1", "users");
      const status = await migrator.status();
      const corrupt = status.problems.filter((p) => p.code === "CORRUPT_HISTORY");
      expect(corrupt.map((p) => p.message)).toEqual([expect.stringMatching(/records migration (1\.1|1_1) twice/)]);
    });
  });
});
