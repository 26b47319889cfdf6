// Issue 13 acceptance: `schema dump` then `schema load` into an empty database gives an identical
// snapshot, on every dialect, for the generated set that goes through every object kind
// (test/support/schema-corpus.ts) and for its kinds set. The bench's 300-migration set is the
// same generator at n = 300 (bench/schema-set.mjs); here the smallest n that covers every kind.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createMigrator } from "../../src/index.js";
import { createMigrationTest } from "../../src/testing/index.js";
import { eachTarget } from "../support/each-target.js";
import { generatedSet, kindsSet, writeMigrations, type CorpusMigration } from "../support/schema-corpus.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target } from "../support/targets.js";

const GENERATED_N: Record<Target["name"], number> = { sqlite: 40, postgres: 40, mysql: 26 };
const TIMEOUT = 10 * 60_000; // a timeout, not a budget: MariaDB's introspection is slow on a busy server

/** Applies the set to one database, dumps it, loads the dump into a second: both snapshots and both dumps. */
async function roundTrip(target: Target, migrations: readonly CorpusMigration[]) {
  const dir = writeMigrations(migrations);
  const work = mkdtempSync(join(tmpdir(), "stratum-roundtrip-"));
  const source = await target.createDatabase();
  const copy = await target.createDatabase();
  try {
    const first = createMigrator({ url: source.url, dir });
    const second = createMigrator({ url: copy.url, dir });
    try {
      const applied = await first.up();
      expect(applied.ok).toBe(true);
      const file = join(work, "schema.sql");
      const dumped = await first.dumpSchema({ file });
      const loaded = await second.loadSchema({ file });
      expect(loaded.version).toBe(dumped.version);
      const again = await second.dumpSchema({ file: "-" });
      const kitA = await createMigrationTest({ dir, url: source.url });
      const kitB = await createMigrationTest({ dir, url: copy.url });
      try {
        return { a: await kitA.schema(), b: await kitB.schema(), text: readFileSync(file, "utf8"), reloaded: again.text, loaded };
      } finally {
        await kitA.close();
        await kitB.close();
      }
    } finally {
      await first.close();
      await second.close();
    }
  } finally {
    await source.drop();
    await copy.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

eachTarget(targets, "schema dump → schema load", (target) => {
  it.concurrent(`the generated set (${GENERATED_N[target.name]} migrations, every kind) reloads to an identical snapshot`, async () => {
    const set = generatedSet(target.name, GENERATED_N[target.name]);
    const { a, b, text, reloaded, loaded } = await roundTrip(target, set);
    expect(a.tables.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
    // the reloaded database dumps to the same file: the dump is canonical
    expect(reloaded).toBe(text);
    expect(loaded.baselined).toHaveLength(set.length);
  }, TIMEOUT);

  it.concurrent("the kinds set (one migration per object kind) reloads to an identical snapshot", async () => {
    const set = kindsSet(target.name);
    const { a, b, text, reloaded } = await roundTrip(target, set);
    expect(b).toEqual(a);
    expect(reloaded).toBe(text);
  }, TIMEOUT);
});
