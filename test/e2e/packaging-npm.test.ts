import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as npm users get it (issue items 19 and 20): `npm pack` the built project, install
 * the tarball into a fresh project, and use it there the documented ways — both bins through
 * npx, `import` and `require` of "stratumdb" and "stratumdb/testing", a TypeScript migration
 * importing `defineMigration` from "stratumdb", and the type declarations from an ES module and
 * from a CommonJS TypeScript file.
 *
 * Dependencies come from npm's cache (`--prefer-offline`; the registry when the cache lacks them)
 * with `--ignore-scripts`: compiling better-sqlite3 from source takes minutes here, so its native
 * addon is copied from this repository's node_modules instead — the same pinned version, checked.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const repoPackage = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** The environment without npm's own variables (`npm test` sets npm_config_*, which would leak in). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key) && !key.startsWith("STRATUM_") && key !== "DATABASE_URL") env[key] = value;
  }
  return { ...env, NO_COLOR: "1" };
}

function run(command: string, args: readonly string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: cleanEnv(), encoding: "utf8", timeout });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  expect(result.error, `${what}: ${String(result.error)}`).toBeUndefined();
  expect(result.status, `${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

const SQL_MIGRATION = "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";
const TS_MIGRATION = `import { defineMigration } from "stratumdb";

export default defineMigration({
  async up(ctx) {
    await ctx.sql("CREATE TABLE b (id INTEGER)");
  },
  async down(ctx) {
    await ctx.sql("DROP TABLE b");
  },
});
`;

describe("the packed package, installed into a fresh project", () => {
  let work: string;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "stratum-pack-"));
    const packed = run("npm", ["pack", "--ignore-scripts", "--pack-destination", work, "--json"], ROOT);
    const [info] = JSON.parse(ok(packed, "npm pack")) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error("npm pack reported no tarball");

    project = join(work, "consumer");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true }, null, 2)}\n`);
    ok(run("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", join(work, info.filename)], project, 240_000), "npm install <tarball>");

    // better-sqlite3's native addon, from the identical pinned version in this repository
    const installed = join(project, "node_modules", "better-sqlite3");
    const ours = join(createRequire(join(ROOT, "package.json")).resolve("better-sqlite3/package.json"), "..");
    const version = (dir: string) => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
    expect(version(installed)).toBe(version(ours));
    mkdirSync(join(installed, "build", "Release"), { recursive: true });
    copyFileSync(join(ours, "build", "Release", "better_sqlite3.node"), join(installed, "build", "Release", "better_sqlite3.node"));

    mkdirSync(join(project, "migrations"));
    writeFileSync(join(project, "migrations", "001_a.sql"), SQL_MIGRATION);
    writeFileSync(join(project, "migrations", "002_b.ts"), TS_MIGRATION);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("is installed under the name stratumdb, with both bins", () => {
    const manifest = JSON.parse(readFileSync(join(project, "node_modules", "stratumdb", "package.json"), "utf8")) as { name: string; bin: Record<string, string> };
    expect(manifest.name).toBe("stratumdb");
    expect(Object.keys(manifest.bin).sort()).toEqual(["stratum", "stratumdb"]);
    expect(readdirSync(join(project, "node_modules", ".bin"))).toEqual(expect.arrayContaining(["stratum", "stratumdb"]));
  });

  it("`npx stratumdb` and `npx stratum` run the installed CLI (never a download)", () => {
    for (const bin of ["stratumdb", "stratum"]) {
      expect(ok(run("npx", ["--no", "--", bin, "--version"], project), `npx ${bin} --version`).trim()).toBe(repoPackage.version);
    }
  });

  it("the CLI applies a TypeScript migration that imports defineMigration from \"stratumdb\"", () => {
    const up = ok(run("npx", ["--no", "--", "stratum", "up", "--url", "sqlite:./cli.db"], project), "stratum up");
    expect(up).toContain("applied 2 migrations");
    const status = ok(run("npx", ["--no", "--", "stratum", "status", "--url", "sqlite:./cli.db", "--json"], project), "stratum status");
    const report = JSON.parse(status) as { migrations: { version: string; state: string }[]; pending: number };
    expect(report.migrations.map((m) => `${m.version} ${m.state}`)).toEqual(["001 applied", "002 applied"]);
    expect(report.pending).toBe(0);
  });

  it("import() of stratumdb and stratumdb/testing works, and the library migrates SQLite (recording its version)", () => {
    const script = `
      const { createMigrator, defineMigration, SchemaError } = await import("stratumdb");
      const { createMigrationTest, compareSchemas } = await import("stratumdb/testing");
      const migrator = createMigrator({ url: "sqlite:./esm.db", dir: "./migrations", environment: {} });
      try {
        const report = await migrator.up();
        const status = await migrator.status();
        const history = await migrator.history();
        console.log(JSON.stringify({
          applied: report.migrations.map((m) => m.version),
          pending: status.pending,
          toolVersions: [...new Set(history.map((entry) => entry.toolVersion))],
          types: [typeof defineMigration, typeof SchemaError, typeof createMigrationTest, typeof compareSchemas],
        }));
      } finally {
        await migrator.close();
      }
    `;
    const out = JSON.parse(ok(run(process.execPath, ["--input-type=module", "-e", script], project), "import()")) as unknown;
    expect(out).toEqual({ applied: ["001", "002"], pending: 0, toolVersions: [repoPackage.version], types: ["function", "function", "function", "function"] });
  });

  it("require() of stratumdb and stratumdb/testing works on every Node 20 (a CommonJS build recording its version), with one copy of the error classes", () => {
    const script = `
      const { createMigrator, defineMigration, SchemaError, StratumError } = require("stratumdb");
      const { createMigrationTest } = require("stratumdb/testing");
      const fs = require("node:fs");
      (async () => {
        const migrator = createMigrator({ url: "sqlite:./cjs.db", dir: "./migrations", environment: {} });
        let applied, toolVersions;
        try {
          applied = (await migrator.up()).migrations.map((m) => m.version);
          toolVersions = [...new Set((await migrator.history()).map((entry) => entry.toolVersion))];
        } finally {
          await migrator.close();
        }
        // the testing kit's SchemaError is the class require("stratumdb") exports
        fs.mkdirSync("./broken", { recursive: true });
        fs.writeFileSync("./broken/001_x.sql", "-- migrate:up\\nCREATE TABLE x (id INTEGER);\\n-- migrate:down\\nSELECT 1;\\n");
        const kit = await createMigrationTest({ dir: "./broken" });
        let caught;
        try {
          await kit.upDown("001");
        } catch (error) {
          caught = error;
        } finally {
          await kit.close();
        }
        console.log(JSON.stringify({
          applied,
          toolVersions,
          define: typeof defineMigration,
          schemaError: caught instanceof SchemaError,
          stratumError: caught instanceof StratumError,
          code: caught && caught.code,
        }));
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    const out = JSON.parse(ok(run(process.execPath, ["-e", script], project), "require()")) as { code: unknown };
    expect(out).toEqual({ applied: ["001", "002"], toolVersions: [repoPackage.version], define: "function", schemaError: true, stratumError: true, code: out.code });
    expect(typeof out.code).toBe("string");
  });

  it("the type declarations resolve from an ES module and from a CommonJS TypeScript file", () => {
    const body = (specifier: string) => `import { createMigrator, defineMigration, SchemaError, type Migrator } from "stratumdb";
import { createMigrationTest, type MigrationTestKit } from "stratumdb/testing";
export const migrator: Migrator = createMigrator({ url: "sqlite::memory:", dir: "./migrations" });
export const migration = defineMigration({ async up(ctx) { await ctx.sql("SELECT 1"); } });
export const kit: Promise<MigrationTestKit> = createMigrationTest({ dir: "./migrations" });
export const isSchemaError = (error: unknown): boolean => error instanceof SchemaError;
// the declarations are real, not \`any\`:
// @ts-expect-error no such option
createMigrator({ nosuchoption: 1 });
// @ts-expect-error dir is required
createMigrationTest({});
export const from = ${JSON.stringify(specifier)};
`;
    mkdirSync(join(project, "types"), { recursive: true });
    writeFileSync(join(project, "types", "esm.mts"), body("esm"));
    writeFileSync(join(project, "types", "cjs.cts"), body("cjs"));
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "node16", moduleResolution: "node16", target: "es2022", strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ["types/esm.mts", "types/cjs.cts"],
      }),
    );
    ok(run(process.execPath, [TSC, "-p", "tsconfig.json"], project), "tsc on a consumer's ES module and CommonJS files");
  });
});
