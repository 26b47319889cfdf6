// verify splits a long set across shadow databases verified at once (engine/verify.ts verifyParts):
// each part after the first replays what comes before it on a shadow of its own. Through the
// library on PostgreSQL and MariaDB (shadow.url on the test servers), a split run must give the
// report one shadow gives: the same outcomes and problems in plan order, progress said in plan
// order, a difference found in either part, and a migration that fails to run ending verify
// there, whichever part it is in, with nothing of a later part reported.
import { rmSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { VerifyReport } from "../../src/api-types.js";
import { createMigrator } from "../../src/migrator.js";
import { splitBounds } from "../../src/core/verify-split.js";
import { eachTarget } from "../support/each-target.js";
import { untouchedTargets } from "../support/untouched-targets.js";
import { generatedSet, writeMigrations, type CorpusMigration } from "../support/schema-corpus.js";
import { MYSQL_URL, PG_URL, mysqlTarget, postgresTarget, type Target } from "../support/targets.js";

/** Timeouts, not budgets: the servers are shared with other work. */
const CASE_TIMEOUT = 5 * 60_000;
const SHADOW_URL: Partial<Record<Target["name"], string>> = { postgres: PG_URL, mysql: MYSQL_URL };
/** 90 migrations: two parts of at least 40 verified each (bounds 0, 48, 90). */
const SIZE = 90;

vi.setConfig({ maxConcurrency: 6 });

/** One target database per dialect, shared by the cases: verify only reads it (checked empty and dropped after all). */
const targetDb = untouchedTargets();

interface Run {
  readonly report: VerifyReport;
  /** The progress events' versions and counts, as said. */
  readonly progress: [string, number][];
}

async function verifyWith(target: Target, migrations: readonly CorpusMigration[], parallel: number, from?: string, started = false): Promise<Run> {
  const dir = writeMigrations(migrations);
  try {
    const { url } = await targetDb(target);
    const migrator = createMigrator({ dir, url, environment: {}, ...(started ? {} : { shadow: { url: SHADOW_URL[target.name]! } }) });
    const progress: [string, number][] = [];
    migrator.on((event) => {
      if (event.type === "progress") progress.push([event.version ?? "", event.done]);
    });
    try {
      const report = await migrator.verify({ parallel, ...(from === undefined ? {} : { from }) });
      return { report, progress };
    } finally {
      await migrator.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a report says, without its timings, and with every shadow database named alike (each part has its own). */
const said = (report: VerifyReport) => ({
  ok: report.ok,
  migrations: report.migrations.map((m) => ({
    file: m.file,
    outcome: m.outcome,
    problems: m.problems.map((p) => p.replace(/stratum_shadow_[0-9a-f]{8}/g, "stratum_shadow_…")),
    error: m.error?.run ?? null,
  })),
});

/** `set` with migration `index` (1-based) given another down. */
const withDown = (set: readonly CorpusMigration[], index: number, down: (m: CorpusMigration) => string): CorpusMigration[] =>
  set.map((m, i) => (i === index - 1 ? { ...m, down: down(m) } : m));

const targets = [await postgresTarget(), await mysqlTarget()];

eachTarget(targets, "verify split across shadows", (target) => {
  const dialect = target.name;
  const set = generatedSet(dialect === "mysql" ? "mysql" : "postgres", SIZE);
  const ordered = set.map((m) => ({ version: m.version })) as never;

  describe.concurrent(`verify split across shadows on ${dialect}`, () => {
    it(`a set of ${SIZE} is split in two parts, and gives the report one shadow gives, progress in plan order`, async () => {
      expect(splitBounds(ordered, new Set(), 2)).toEqual([0, 48, SIZE]);
      const [one, two] = await Promise.all([verifyWith(target, set, 1), verifyWith(target, set, 2)]);
      expect(one.report.migrations.map((m) => m.outcome)).toEqual(set.map(() => "verified"));
      expect(said(two.report)).toEqual(said(one.report));
      expect(two.progress).toEqual(set.map((m, i) => [m.version, i + 1]));
    }, CASE_TIMEOUT);

    // MariaDB's DDL is slow: it runs the cases a split could get wrong that PostgreSQL's cannot show
    const onPostgres = (name: string, fn: () => Promise<void>) => (dialect === "postgres" ? it(name, fn, CASE_TIMEOUT) : undefined);
    onPostgres("a down that leaves an object behind is found in either part, and the rest is verified as on one shadow", async () => {
      const leaves = (n: number) => (m: CorpusMigration) => `${m.down ?? ""}\n;\nCREATE TABLE leftover_${n} (id integer)`;
      const broken = withDown(withDown(set, 10, leaves(10)), 70, leaves(70));
      const [one, two] = await Promise.all([verifyWith(target, broken, 1), verifyWith(target, broken, 2)]);
      expect(said(two.report)).toEqual(said(one.report));
      expect(two.report.ok).toBe(false);
      expect(two.report.migrations).toHaveLength(SIZE);
      const failed = two.report.migrations.filter((m) => m.outcome === "failed");
      expect(failed.map((m) => m.file)).toEqual([set[9]!.file, set[69]!.file]);
      expect(failed[1]!.problems.join("\n")).toMatch(new RegExp(`down of ${set[69]!.file.replace(/\.sql$/, "")} leaves table .*leftover_70`));
    });

    for (const index of dialect === "mysql" ? [75] : [20, 75]) {
      it(`a down that fails to run in the ${index < 48 ? "first" : "second"} part ends verify there, as on one shadow`, async () => {
        const broken = withDown(set, index, () => "SELECT * FROM no_such_table_at_all");
        const [one, two] = await Promise.all([verifyWith(target, broken, 1), verifyWith(target, broken, 2)]);
        expect(said(two.report)).toEqual(said(one.report));
        expect(two.report.migrations).toHaveLength(index);
        expect(two.report.migrations.at(-1)).toMatchObject({ file: set[index - 1]!.file, outcome: "failed", error: { run: "down" } });
        expect(two.progress.map(([version]) => version)).toEqual(set.slice(0, index).map((m) => m.version));
      }, CASE_TIMEOUT);
    }

    if (dialect === "postgres") {
      it("on the PostgreSQL server verify starts, the second part's database is made on that server", async () => {
        const two = await verifyWith(target, set, 2, undefined, true);
        expect(two.report.shadow.description).toMatch(/^(embedded PostgreSQL|PostgreSQL) 15\.\d+ .*on 127\.0\.0\.1:\d+/);
        expect(two.report.migrations.map((m) => m.outcome)).toEqual(set.map(() => "verified"));
        expect(two.progress).toEqual(set.map((m, i) => [m.version, i + 1]));
      }, CASE_TIMEOUT);
    }

    onPostgres("--from replays the start and splits what it verifies", async () => {
      const longer = generatedSet(dialect === "mysql" ? "mysql" : "postgres", SIZE + 30);
      const from = longer[29]!.version;
      const [one, two] = await Promise.all([verifyWith(target, longer, 1, from), verifyWith(target, longer, 2, from)]);
      expect(said(two.report)).toEqual(said(one.report));
      expect(two.report.migrations.map((m) => m.outcome)).toEqual([...longer.slice(0, 30).map(() => "replayed"), ...longer.slice(30).map(() => "verified")]);
    });
  });
});
