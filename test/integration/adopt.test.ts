// `adopt` on real databases: another tool's history (written here by a small in-test reader's
// table) is recorded in Stratum's history in one transaction, logged as `adopt`, the other table
// untouched; every refusal writes nothing.

import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ForeignEntry, ForeignHistoryReader } from "../../src/adopt/foreign-history.js";
import { foreignChecksumMatches, foreignChecksumOf } from "../../src/adopt/checksums.js";
import { resolveConfig } from "../../src/config/load.js";
import { ConfigError, ValidationError } from "../../src/core/errors.js";
import type { ResolvedConfig } from "../../src/config/types.js";
import { adopt, type AdoptSources } from "../../src/engine/adopt.js";
import { createMigratorFromConfig, engineFor } from "../../src/migrator.js";
import type { AdoptOptions } from "../../src/api-types.js";
import { describeEachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import type { TestDb } from "../support/targets.js";

const file = (n: number) => `-- migrate:up\nCREATE TABLE t${n} (id INTEGER);\n-- migrate:down\nDROP TABLE t${n};\n`;
const FILES: Record<string, string> = { "001_a.sql": file(1), "002_b.sql": file(2), "003_c.sql": file(3), "004_d.sql": file(4) };
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

/** A tool whose history is `(rank, version, name, state, checksum, applied_at)`; reads only. */
const testReader: ForeignHistoryReader = {
  tool: "postgrator",
  defaultTables: ["test_history", "older_history"],
  dialects: ["postgres", "mysql", "sqlite"],
  async read(db, dialect, table) {
    const q = (name: string) => (dialect === "mysql" ? `\`${name}\`` : `"${name}"`);
    const exists =
      dialect === "sqlite"
        ? await db.query("select 1 from sqlite_master where type = 'table' and name = ?", [table.name])
        : await db.query(
            `select 1 from information_schema.tables where table_schema = coalesce(?, ${dialect === "mysql" ? "database()" : "current_schema()"}) and table_name = ?`,
            [table.schema ?? null, table.name],
          );
    if (exists.length === 0) return null;
    const qualified = table.schema === undefined ? q(table.name) : `${q(table.schema)}.${q(table.name)}`;
    const rows = await db.query<{ rank: number; version: string; name: string; state: string; checksum: string | null; applied_at: string | null }>(
      `select rank, version, name, state, checksum, applied_at from ${qualified} order by rank`,
    );
    return rows.map<ForeignEntry>((r) => ({
      key: `${r.version}_${r.name}`,
      version: r.version,
      name: r.name,
      state: r.state as ForeignEntry["state"],
      checksum: r.checksum === null ? null : { kind: "sha256", value: r.checksum },
      where: `${table.name} rank ${r.rank} (version ${r.version})`,
      appliedAt: r.applied_at,
    }));
  },
};
const sources: AdoptSources = { readers: [testReader], checksumOf: foreignChecksumOf, checksumMatches: foreignChecksumMatches };

await describeEachTarget("adopt", (target) => {
  let project: Project;
  let db: TestDb;
  let config: ResolvedConfig;
  const foreignRows = () => db.query("select rank, version, name, state, checksum, applied_at from test_history order by rank");
  const run = async (options: Partial<AdoptOptions> = {}) => {
    const engine = await engineFor(config);
    try {
      return await adopt(engine, { from: "postgrator", ...options }, sources);
    } finally {
      await engine.target.dialect.dispose();
    }
  };
  const failure = async (options: Partial<AdoptOptions> = {}) => {
    try {
      await run(options);
    } catch (error) {
      return error as Error;
    }
    throw new Error("expected adopt to refuse");
  };
  /** The other tool's history and its tables, as the tool left them: 1–3 applied. */
  async function toolApplied(table = "test_history", rows = [1, 2, 3], tables = rows) {
    await db.query(`create table ${table} (rank integer, version varchar(20), name varchar(50), state varchar(20), checksum varchar(64), applied_at varchar(40))`);
    for (const n of rows) {
      if (tables.includes(n)) await db.query(`create table t${n} (id integer)`);
      const name = ["a", "b", "c", "d"][n - 1] as string;
      await db.query(`insert into ${table} values (?, ?, ?, 'applied', ?, ?)`, [n, `00${n}`, name, sha(FILES[`00${n}_${name}.sql`] as string), `2024-01-0${n}T10:00:00.000Z`]);
    }
  }

  beforeEach(async () => {
    project = makeProject(FILES);
    db = await target.createDatabase();
    config = await resolveConfig({ cwd: project.dir, searchCwd: false, flags: {}, environment: {}, overrides: { url: db.url, dir: project.migrations } });
  });
  afterEach(async () => {
    await db.drop();
    project.cleanup();
  });

  it("records the applied set in one go, logged as adopt; the other table is untouched; up applies only the rest", async () => {
    await toolApplied();
    const before = await foreignRows();
    const result = await run();
    expect(result.migrations.map((m) => [m.entry, m.file, m.state])).toEqual([
      ["test_history rank 1 (version 001)", "001_a.sql", "recorded"],
      ["test_history rank 2 (version 002)", "002_b.sql", "recorded"],
      ["test_history rank 3 (version 003)", "003_c.sql", "recorded"],
    ]);
    expect(result.pending).toEqual(["004_d"]);
    expect(await foreignRows()).toEqual(before);
    const migrator = createMigratorFromConfig(config);
    try {
      const status = await migrator.status();
      expect(status.migrations.map((m) => [m.version, m.state])).toEqual([["001", "applied"], ["002", "applied"], ["003", "applied"], ["004", "pending"]]);
      expect(new Date(status.migrations[0]?.appliedAt ?? "").toISOString()).toBe("2024-01-01T10:00:00.000Z");
      const log = await migrator.history();
      expect(log.filter((e) => e.operation === "adopt").map((e) => [e.version, e.details])).toEqual([
        ["001", "adopted from postgrator: test_history rank 1 (version 001)"],
        ["002", "adopted from postgrator: test_history rank 2 (version 002)"],
        ["003", "adopted from postgrator: test_history rank 3 (version 003)"],
      ]);
      const report = await migrator.up();
      expect(report.migrations.map((m) => [m.version, m.status])).toEqual([["004", "applied"]]);
    } finally {
      await migrator.close();
    }
    // adopting again, after up applied 004: the set is already recorded, nothing is written
    const again = await run();
    expect(again.migrations.map((m) => m.state)).toEqual(["already-recorded", "already-recorded", "already-recorded"]);
  });

  it("a dry run prints the mapping and writes nothing", async () => {
    await toolApplied();
    const tables = await db.tables();
    const result = await run({ dryRun: true });
    expect(result.migrations.map((m) => m.state)).toEqual(["would-record", "would-record", "would-record"]);
    expect(await db.tables()).toEqual(tables);
  });

  it("lists every problem before writing anything: a changed file, a failed entry, an entry with no file", async () => {
    await toolApplied();
    await db.query("insert into test_history values (4, '004', 'd', 'failed', null, null)");
    await db.query("insert into test_history values (5, '009', 'gone', 'applied', null, null)");
    project.migration("002_b.sql", `${FILES["002_b.sql"] as string}-- edited\n`);
    const tables = await db.tables();
    const error = await failure();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.code)).toEqual(["CHECKSUM_MISMATCH", "DIRTY", "MISSING_FILE"]);
    expect((error as ValidationError).problems[0]?.message).toMatch(/^002_b\.sql changed since postgrator applied it: test_history rank 2 \(version 002\) records checksum/);
    expect(await db.tables()).toEqual(tables);
  });

  it("no such table: one sentence naming the tables looked for; the table option names another", async () => {
    const error = await failure();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^no test_history or older_history table in .*; pass its name \(--from-table, or adopt's table option\) if it is named differently$/);
    expect(await db.tables()).toEqual([]);
    await toolApplied("renamed_history");
    const result = await run({ table: "renamed_history" });
    expect(result.read).toBe("renamed_history");
    expect(result.migrations.map((m) => m.state)).toEqual(["recorded", "recorded", "recorded"]);
  });

  it("refuses when Stratum's history already records what the other tool does not, writing nothing", async () => {
    const migrator = createMigratorFromConfig(config);
    try {
      await migrator.up({ to: "002" });
      await toolApplied("test_history", [1, 3], [3]);
      const error = await failure();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.message)).toEqual([
        "stratum_migrations records 002_b as applied, while postgrator's history does not record it applied",
      ]);
      expect((await migrator.status()).migrations.map((m) => m.state)).toEqual(["applied", "applied", "pending", "pending"]);
    } finally {
      await migrator.close();
    }
  });

  if (target.name === "postgres") {
    it("reads the table from the schema given", async () => {
      await db.query("create schema legacy");
      await toolApplied("legacy.test_history");
      const result = await run({ schema: "legacy" });
      expect(result.read).toBe("legacy.test_history");
      expect(result.migrations).toHaveLength(3);
    });
  }
});

