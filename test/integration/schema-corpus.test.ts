// The issue-13 corpora (test/support/schema-corpus.ts) checked with stratumdb/testing on real
// databases: the kinds set and the generated set roll back cleanly, one migration at a time; every
// broken variant (a down that forgets an object, or drops one that existed before) makes upDown
// throw a SchemaError naming the kind and the object; the irreversible example has no down.
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SchemaError, StratumError } from "../../src/core/errors.js";
import { createMigrationTest, type MigrationTestKit } from "../../src/testing/index.js";
import { eachTarget } from "../support/each-target.js";
import {
  brokenVariants,
  corpusKinds,
  expectedText,
  generatedSet,
  irreversibleMigration,
  kindsSet,
  writeMigrations,
  type CorpusMigration,
} from "../support/schema-corpus.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target } from "../support/targets.js";

/**
 * The generated set's size here: enough to go through every kind of the rotation (MariaDB: 26,
 * the fewest that do). The bench uses 300 (bench/schema-set.mjs); all 300 pass
 * checkAllReversible on SQLite and PostgreSQL too, but take minutes through the kit (two
 * introspections per migration). On MariaDB one introspection takes seconds on a server holding
 * many databases (the constraint query reads information_schema for every database).
 */
const GENERATED_N: Record<Target["name"], number> = { sqlite: 40, postgres: 40, mysql: 26 };
/** Timeouts, not budgets: the MariaDB introspection is slow on a loaded server. */
const SET_TIMEOUT = 30 * 60_000;
const VARIANT_TIMEOUT = 5 * 60_000;

/** The migration slugs of each kind the generated set must go through (`0012_trigger_tg12.sql`). */
const GENERATED_KINDS: Record<Target["name"], readonly string[]> = {
  sqlite: ["create", "add", "index", "view", "trigger", "generated"],
  postgres: ["create", "add", "index", "view", "default", "unique", "check", "foreign", "function", "trigger", "sequence", "enum", "generated", "procedure", "domain", "composite", "schema"],
  mysql: ["create", "add", "index", "view", "default", "unique", "check", "foreign", "function", "trigger", "sequence", "enum", "generated", "procedure", "event", "on_update"],
};

/**
 * The broken variants run through the kit: every one on SQLite; on the servers the "forgets"
 * variant of five kinds. Every variant of every dialect also runs through `stratum verify`
 * (verify-acceptance.test.ts), which compares with the same model and diff.
 */
function kitVariants(dialect: Target["name"]) {
  const all = brokenVariants(dialect);
  if (dialect === "sqlite") return all;
  return all.filter((v) => v.how === "forgets" && ["column", "index", "view", "trigger", "function"].includes(v.kind));
}

async function withKit<T>(target: Target, migrations: readonly CorpusMigration[], body: (kit: MigrationTestKit) => Promise<T>): Promise<T> {
  const dir = writeMigrations(migrations);
  const db = await target.createDatabase();
  const kit = await createMigrationTest({ dir, url: db.url });
  try {
    return await body(kit);
  } finally {
    await kit.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

eachTarget(targets, "the schema corpus", (target) => {
  const dialect = target.name;
  describe.concurrent(`the schema corpus on ${dialect}`, () => {
    it(`the kinds set (${corpusKinds(dialect).join(", ")}) rolls back cleanly, migration by migration`, async () => {
      await withKit(target, kindsSet(dialect), async (kit) => {
        await kit.checkAllReversible();
        const status = await kit.migrator.status();
        expect(status.migrations.filter((m) => m.state === "applied")).toHaveLength(kindsSet(dialect).length);
      });
    }, SET_TIMEOUT);

    // MariaDB's generated set is reloaded by schema dump/load (schema-roundtrip-generated.test.ts);
    // reversing it through the kit, one introspection pair per migration, takes minutes there
    if (dialect !== "mysql") it(`the generated set (${GENERATED_N[dialect]} migrations) goes through every kind and rolls back cleanly, migration by migration`, async () => {
      const set = generatedSet(dialect, GENERATED_N[dialect]);
      const kinds = new Set(set.map((m) => /^\d+_([a-z_]+?)_[a-z]*\d+/.exec(m.file)?.[1]));
      expect([...kinds].sort()).toEqual([...GENERATED_KINDS[dialect]].sort());
      expect(set.some((m) => /CREATE VIEW \w+ AS SELECT id, val FROM v\d+/.test(m.up))).toBe(true);
      await withKit(target, set, async (kit) => {
        await kit.checkAllReversible();
        const schema = await kit.schema();
        expect(schema.tables.length).toBeGreaterThan(5);
        // every view (and materialized view) the set creates is there (a view on a view among them: two at least)
        const created = set.filter((m) => /CREATE (OR REPLACE )?(MATERIALIZED )?VIEW/i.test(m.up)).length;
        expect(created).toBeGreaterThanOrEqual(2);
        expect(schema.views.length).toBe(created);
      });
    }, SET_TIMEOUT);

    it("the generated set is the same for the same seed and differs for another", () => {
      expect(generatedSet(dialect, 50, 7)).toEqual(generatedSet(dialect, 50, 7));
      expect(generatedSet(dialect, 50, 7)).not.toEqual(generatedSet(dialect, 50, 8));
    });

    it("the irreversible example is applied and cannot be rolled back", async () => {
      await withKit(target, [irreversibleMigration(dialect)], async (kit) => {
        const error = await kit.upDown("0001").then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(StratumError);
        expect((error as StratumError).message).toContain("0001_irreversible_ledger has no `-- migrate:down` section");
        const status = await kit.migrator.status();
        expect(status.migrations.map((m) => m.state)).toEqual(["applied"]);
      });
    }, VARIANT_TIMEOUT);

    for (const variant of kitVariants(dialect)) {
      it(`${variant.label}: upDown names ${variant.expected.map(expectedText).join("; ")}`, async () => {
        await withKit(target, [...variant.migrations, variant.migration], async (kit) => {
          await kit.migrateTo(variant.migrations.at(-1)?.version as string);
          const error = await kit.upDown(variant.migration.version).then(() => null, (e: unknown) => e);
          expect(error).toBeInstanceOf(SchemaError);
          const message = (error as Error).message;
          expect(message).toContain(`rolling back migration ${variant.migration.version} does not restore the schema: `);
          for (const expected of variant.expected) expect(message).toContain(expectedText(expected));
        });
      }, VARIANT_TIMEOUT);
    }
  });
});

// Issue 13, item 6: "today a down that forgets DROP FUNCTION passes its upDown check on PostgreSQL".
eachTarget([targets[1] as Target], "a down that forgets DROP FUNCTION", (target) => {
  it("on postgres: a down that forgets DROP FUNCTION fails its upDown check", async () => {
    const variant = brokenVariants("postgres").find((v) => v.kind === "function" && v.how === "forgets");
    expect(variant?.migration.down).not.toMatch(/DROP FUNCTION/i);
    await withKit(target, [...(variant?.migrations ?? []), variant?.migration as CorpusMigration], async (kit) => {
      await kit.migrateTo("0001");
      // every migration before the function's passes
      for (const m of variant?.migrations.slice(1) ?? []) {
        await kit.upDown(m.version);
        await kit.migrator.up({ step: 1 });
      }
      await expect(kit.upDown(variant?.migration.version as string)).rejects.toThrow(/added function public\.add_tax\(numeric\)/);
    });
  }, VARIANT_TIMEOUT);
});
