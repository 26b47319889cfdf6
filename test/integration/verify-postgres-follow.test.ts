// verify on PostgreSQL follows the shadow's changes with an event trigger (describe-follow.ts)
// where it may make one: what a down forgets is caught whether it was made by a statement outside
// a transaction (CREATE INDEX CONCURRENTLY), a DO block or a code (TypeScript) migration; and on a
// shadow.url whose user is no superuser, where no event trigger can be made, the change markers
// serve: the kinds set passes and every broken variant is still caught.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VerifyReport } from "../../src/api-types.js";
import { createMigrator } from "../../src/migrator.js";
import { brokenVariants, kindsSet, writeMigrations, type CorpusMigration } from "../support/schema-corpus.js";
import { PG_URL, postgresTarget, type TestDb } from "../support/targets.js";

const TIMEOUT = 5 * 60_000;
const target = await postgresTarget();
const suffix = randomBytes(3).toString("hex");
const role = `stratum_verify_nosu_${suffix}`;
let db: TestDb;
const admin = new pg.Client({ connectionString: PG_URL });

beforeAll(async () => {
  db = await target.createDatabase();
  await admin.connect();
  await admin.query(`create role ${role} login createdb`);
});
afterAll(async () => {
  await db?.drop();
  // the shadows it made are dropped by verify; the role owns nothing then
  await admin.query(`drop role if exists ${role}`);
  await admin.end();
});

/** shadow.url with the role that may create databases but is no superuser. */
function nonSuperuserUrl(): string {
  const url = new URL(PG_URL);
  url.username = role;
  return url.toString();
}

async function verifyFiles(files: Record<string, string>, shadowUrl: string, from?: string): Promise<VerifyReport> {
  const dir = mkdtempSync(join(tmpdir(), "stratum-verify-follow-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return await createMigrator({ dir, url: db.url, environment: {}, shadow: { url: shadowUrl } }).verify(from === undefined ? {} : { from });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verifySet(migrations: readonly CorpusMigration[], shadowUrl: string, from?: string): Promise<VerifyReport> {
  const dir = writeMigrations(migrations);
  try {
    return await createMigrator({ dir, url: db.url, environment: {}, shadow: { url: shadowUrl } }).verify(from === undefined ? {} : { from });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BASE = "-- migrate:up\ncreate table items (id integer primary key, code text, qty integer);\n\n-- migrate:down\ndrop table items;\n";

describe.concurrent("verify with the shadow's changes followed (a superuser's shadow.url)", () => {
  const cases: readonly (readonly [what: string, file: string, text: string, sentence: string])[] = [
    [
      "an index made outside a transaction (CREATE INDEX CONCURRENTLY) that the down forgets",
      "002_code_idx.sql",
      "-- migrate:up transaction:false\ncreate index concurrently items_code_idx on items (code);\n\n-- migrate:down transaction:false\nselect 1;\n",
      "down of 002_code_idx leaves index public.items_code_idx",
    ],
    [
      "a DO block's function that the down forgets",
      "002_do_block.sql",
      "-- migrate:up\ndo $$ begin execute 'create function item_total() returns bigint language sql as ''select sum(qty) from items'''; end $$;\n\n-- migrate:down\nselect 1;\n",
      "down of 002_do_block leaves function public.item_total()",
    ],
    [
      "a code migration's view whose down drops a column that existed before",
      "002_code.ts",
      [
        "export async function up(ctx) { await ctx.sql('create view item_codes as select id, code from items'); }",
        "export async function down(ctx) { await ctx.sql('drop view item_codes'); await ctx.sql('alter table items drop column qty'); }",
        "",
      ].join("\n"),
      "down of 002_code drops column public.items.qty that existed before",
    ],
  ];
  for (const [what, file, text, sentence] of cases) {
    it(`${what}: caught`, async () => {
      const report = await verifyFiles({ "001_items.sql": BASE, [file]: text }, PG_URL);
      expect(report.ok).toBe(false);
      const checked = report.migrations.at(-1)!;
      expect(checked.outcome).toBe("failed");
      expect(checked.problems.some((p) => p.startsWith(sentence)), checked.problems.join("\n")).toBe(true);
    }, TIMEOUT);
  }

  it("the same migrations with correct downs pass", async () => {
    const report = await verifyFiles(
      {
        "001_items.sql": BASE,
        "002_code_idx.sql": "-- migrate:up transaction:false\ncreate index concurrently items_code_idx on items (code);\n\n-- migrate:down transaction:false\ndrop index concurrently items_code_idx;\n",
        "003_do_block.sql": "-- migrate:up\ndo $$ begin execute 'create function item_total() returns bigint language sql as ''select sum(qty) from items'''; end $$;\n\n-- migrate:down\ndo $$ begin execute 'drop function item_total()'; end $$;\n",
        "004_code.ts": "export async function up(ctx) { await ctx.sql('create view item_codes as select id, code from items'); }\nexport async function down(ctx) { await ctx.sql('drop view item_codes'); }\n",
      },
      PG_URL,
    );
    expect(report.migrations.map((m) => [m.file, m.outcome])).toEqual([
      ["001_items.sql", "verified"],
      ["002_code_idx.sql", "verified"],
      ["003_do_block.sql", "verified"],
      ["004_code.ts", "verified"],
    ]);
  }, TIMEOUT);
});

describe.concurrent("verify on a shadow.url whose user is no superuser (no event trigger: the change markers)", () => {
  it("the kinds set passes: every migration verified", async () => {
    const set = kindsSet("postgres");
    const report = await verifySet(set, nonSuperuserUrl());
    expect(report.migrations.map((m) => [m.file, m.outcome])).toEqual(set.map((m) => [m.file, "verified"]));
  }, TIMEOUT);

  for (const variant of brokenVariants("postgres")) {
    const { migration, expected } = variant;
    it(`${variant.label}: caught`, async () => {
      const previous = variant.migrations.at(-1) as CorpusMigration;
      const report = await verifySet([...variant.migrations, migration], nonSuperuserUrl(), previous.version);
      expect(report.ok).toBe(false);
      const checked = report.migrations.at(-1)!;
      expect(checked.outcome).toBe("failed");
      for (const e of expected) {
        expect(checked.downDifferences.some((d) => d.change === e.change && d.kind === e.kind && e.name.startsWith(d.name)), `${e.change} ${e.kind} ${e.name}`).toBe(true);
      }
    }, TIMEOUT);
  }
});
