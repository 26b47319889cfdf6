import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMigrator } from "../../src/migrator.js";
import { ConfigError } from "../../src/core/errors.js";
import { createMigrationTest } from "../../src/testing/index.js";
import { makeProject, type Project } from "../support/project.js";

/**
 * docs/api.md: "No config file is read unless you give one." A `stratum.config.*` in the working
 * directory (or in the `cwd` option) must not change what the library does.
 */
const migration = "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n";
// A config that would break every run if it were read: an unknown key and another database.
const bogus = JSON.stringify({ url: "sqlite:./from-the-config-file.db", dir: "./elsewhere", lockTimout: 5 });

describe("the library reads no config file unless given one", () => {
  let project: Project;
  let workdir: Project;
  const startDir = process.cwd();

  beforeEach(() => {
    project = makeProject({ "001_t.sql": migration });
    workdir = makeProject();
    workdir.write("stratum.config.json", bogus);
    workdir.write("stratum.config.ts", "throw new Error('this config file must not be loaded');\n");
    process.chdir(workdir.dir);
  });
  afterEach(() => {
    process.chdir(startDir);
    project.cleanup();
    workdir.cleanup();
  });

  it("createMigrator({ dir, url }) ignores stratum.config.* in the working directory", async () => {
    const db = join(project.dir, "app.db");
    const migrator = createMigrator({ dir: project.migrations, url: `sqlite:${db}`, environment: {} });
    try {
      const report = await migrator.up();
      expect(report.migrations.map((m) => m.version)).toEqual(["001"]);
    } finally {
      await migrator.close();
    }
    expect(existsSync(db)).toBe(true);
    expect(existsSync(join(workdir.dir, "from-the-config-file.db"))).toBe(false);
  });

  it("createMigrator({ dir }) uses the default database, not the config file's", async () => {
    const migrator = createMigrator({ dir: project.migrations, environment: {} });
    try {
      expect((await migrator.status()).pending).toBe(1);
    } finally {
      await migrator.close();
    }
  });

  it("createMigrator({ cwd }) resolves paths against cwd without reading its config file", async () => {
    const migrator = createMigrator({ cwd: workdir.dir, dir: project.migrations, url: "sqlite:./lib.db", environment: {} });
    try {
      await migrator.up();
    } finally {
      await migrator.close();
    }
    expect(existsSync(join(workdir.dir, "lib.db"))).toBe(true);
    expect(existsSync(join(workdir.dir, "from-the-config-file.db"))).toBe(false);
  });

  it("createMigrationTest ignores stratum.config.* in the working directory", async () => {
    const kit = await createMigrationTest({ dir: project.migrations });
    try {
      await kit.migrateTo("001");
      expect((await kit.migrator.status()).pending).toBe(0);
    } finally {
      await kit.close();
    }
  });

  it("reads the file given as configFile (and reports its problems)", async () => {
    const migrator = createMigrator({ dir: project.migrations, configFile: "stratum.config.json", environment: {} });
    const error = await migrator.status().then(
      () => undefined,
      (e: unknown) => e,
    );
    await migrator.close().catch(() => undefined); // close() reports the same configuration error
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('unknown key "lockTimout" in stratum.config.json:1');
  });
});

describe("the library's environments never fall back either", () => {
  it("an options environment whose url is undefined is a ConfigError naming it", async () => {
    const project = makeProject({ "001_t.sql": migration });
    try {
      const migrator = createMigrator({
        cwd: project.dir,
        dir: project.migrations,
        url: "sqlite:./dev.db",
        env: "production",
        environments: { production: { url: undefined } },
        environment: {},
      });
      const error = await migrator.up().then(
        () => undefined,
        (e: unknown) => e,
      );
      await migrator.close().catch(() => undefined);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain("the migrator option environments.production.url is undefined");
      expect(existsSync(join(project.dir, "dev.db"))).toBe(false);
    } finally {
      project.cleanup();
    }
  });
});
