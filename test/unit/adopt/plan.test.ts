// The mapping from another tool's history to our migrations: pure, every problem listed at once.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ForeignEntry } from "../../../src/adopt/foreign-history.js";
import { foreignChecksumMatches, foreignChecksumOf } from "../../../src/adopt/checksums.js";
import { compareWithHistory, keysOf, planAdoption } from "../../../src/adopt/plan.js";
import { userVersionEntries, versionRange } from "../../../src/adopt/user-version.js";
import type { AppliedMigration, MigrationFile } from "../../../src/core/types.js";
import { fakeMigration } from "../../support/fake-ports.js";

const migrations: MigrationFile[] = ["001_users", "002_orders", "003_index", "004_later"].map((id) => fakeMigration({ id }));
const texts = new Map(migrations.map((m) => [m.files[0] as string, `text of ${m.id}`]));
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const checksumOf = (_kind: string, fileTexts: readonly string[]) => sha(fileTexts.join(""));

function entry(over: Partial<ForeignEntry> & { key: string }): ForeignEntry {
  return { version: null, name: null, state: "applied", checksum: null, where: `tool row ${over.key}`, appliedAt: null, ...over };
}

const checksumMatches = (kind: string, fileTexts: readonly string[], stored: string) => checksumOf(kind, fileTexts) === stored;
const plan = (entries: ForeignEntry[]) => planAdoption({ tool: "tool", entries, migrations, fileTexts: texts, checksumOf, checksumMatches });
/** The plan with the real checksums, over migrations of our own. */
const realPlan = (tool: string, entries: ForeignEntry[], ms: MigrationFile[], fileTexts: Map<string, string>) =>
  planAdoption({ tool, entries, migrations: ms, fileTexts, checksumOf: foreignChecksumOf, checksumMatches: foreignChecksumMatches });
const ids = (list: readonly { migration: MigrationFile }[]) => list.map((m) => m.migration.id);

describe("planAdoption", () => {
  it("maps by version (as integers), by key (id, file name, stem, folder), then by checksum", () => {
    const result = plan([
      entry({ key: "1", version: "0001" }),
      entry({ key: "002_orders.sql" }),
      entry({ key: "x", checksum: { kind: "sha256", value: sha("text of 003_index") } }),
    ]);
    expect(result.problems).toEqual([]);
    expect(ids(result.mapped)).toEqual(["001_users", "002_orders", "003_index"]);
    expect(result.mapped.map((m) => m.by)).toEqual(["version", "key", "checksum"]);
    expect(result.pending.map((m) => m.id)).toEqual(["004_later"]);
  });

  it("keys a migration by its id, file names and stems, and folder", () => {
    const m = { ...fakeMigration({ id: "005_init" }), files: ["20240101_init/migration.sql"] };
    expect([...keysOf(m)].sort()).toEqual(["005_init", "20240101_init", "init", "migration", "migration.sql"]);
  });

  it("skips reverted entries and leaves their migrations pending", () => {
    const result = plan([entry({ key: "1", version: "1" }), entry({ key: "2", version: "2", state: "reverted" })]);
    expect(result.problems).toEqual([]);
    expect(result.reverted.map((e) => e.key)).toEqual(["2"]);
    expect(result.pending.map((m) => m.id)).toEqual(["002_orders", "003_index", "004_later"]);
  });

  it("lists every problem at once: a dirty and a failed entry, a checksum mismatch, an entry with no file, two entries on one file", () => {
    const result = plan([
      entry({ key: "1", version: "1", state: "dirty", where: "schema_migrations version 1" }),
      entry({ key: "2", version: "2", checksum: { kind: "sha256", value: sha("the old text") }, where: "_prisma_migrations 002_orders" }),
      entry({ key: "9", version: "9", name: "gone", where: "flyway_schema_history installed_rank 9 (version 9)" }),
      entry({ key: "3", version: "3", state: "failed", where: "knex row 3" }),
      entry({ key: "4a", version: "4" }),
      entry({ key: "4b", version: "4" }),
    ]);
    expect(result.problems.map((p) => [p.code, p.message])).toEqual([
      ["DIRTY", "schema_migrations version 1 is dirty: tool did not finish applying it, so what the database holds is not known"],
      [
        "CHECKSUM_MISMATCH",
        `002_orders.sql changed since tool applied it: _prisma_migrations 002_orders records checksum ${sha("the old text")}, the file now has ${sha("text of 002_orders")}`,
      ],
      ["MISSING_FILE", "flyway_schema_history installed_rank 9 (version 9) (tool applied version 9 (gone)) matches no migration file"],
      ["DIRTY", "knex row 3 is failed: tool did not finish applying it, so what the database holds is not known"],
      ["DUPLICATE_VERSION", "tool row 4a and tool row 4b both match 004_later.sql"],
    ]);
    expect(result.problems.every((p) => p.severity === "error" && p.fix.length > 0)).toBe(true);
  });
});

describe("planAdoption: entries that stand for more, or less, than one file", () => {
  it("an upTo entry (golang-migrate's one row) maps every migration up to its version; only its own is checksum-checked", () => {
    const result = plan([entry({ key: "3", version: "3", upTo: true, checksum: { kind: "sha256", value: sha("text of 003_index") } })]);
    expect(result.problems).toEqual([]);
    expect(result.mapped.map((m) => [m.migration.id, m.by])).toEqual([["001_users", "up-to"], ["002_orders", "up-to"], ["003_index", "version"]]);
    expect(result.pending.map((m) => m.id)).toEqual(["004_later"]);
    const tampered = plan([entry({ key: "3", version: "3", upTo: true, checksum: { kind: "sha256", value: sha("old") } })]);
    expect(tampered.problems.map((p) => [p.code, p.files])).toEqual([["CHECKSUM_MISMATCH", ["003_index.sql"]]]);
  });

  it("a baseline between files (Flyway's 2.5) maps those below it; above every file it matches no file", () => {
    const baseline = plan([entry({ key: "2.5", version: "2.5", upTo: true }), entry({ key: "3", version: "3" })]);
    expect(baseline.problems).toEqual([]);
    expect(baseline.mapped.map((m) => [m.migration.id, m.by, m.entry.key])).toEqual([
      ["001_users", "up-to", "2.5"],
      ["002_orders", "up-to", "2.5"],
      ["003_index", "version", "3"],
    ]);
    const above = plan([entry({ key: "9", version: "9", upTo: true, where: "schema_migrations version 9" })]);
    expect(above.problems.map((p) => p.message)).toEqual(["schema_migrations version 9 (tool applied version 9) matches no migration file"]);
  });

  it("a dirty upTo entry refuses, naming it", () => {
    const result = plan([entry({ key: "3", version: "3", upTo: true, state: "dirty", where: "schema_migrations version 3 (dirty)" })]);
    expect(result.problems.map((p) => p.code)).toEqual(["DIRTY"]);
    expect(result.problems[0]?.message).toMatch(/^schema_migrations version 3 \(dirty\) is dirty/);
  });

  it("a repeatable entry is set aside, not reported as matching no file", () => {
    const result = plan([entry({ key: "R__views.sql", repeatable: true }), entry({ key: "1", version: "1" })]);
    expect(result.problems).toEqual([]);
    expect(result.repeatable.map((e) => e.key)).toEqual(["R__views.sql"]);
    expect(ids(result.mapped)).toEqual(["001_users"]);
  });

  it("matches Flyway's 1.1 to a file spelled 1_1, keeping our spelling", () => {
    const ms = [{ ...fakeMigration({ id: "1_users" }), version: "1", id: "1_users" }, { ...fakeMigration({ id: "1.1_email" }), version: "1_1", id: "V1_1__email" }];
    const result = realPlan("flyway", [entry({ key: "1.1", version: "1.1" })], ms, new Map());
    expect(result.mapped.map((m) => [m.migration.version, m.by])).toEqual([["1_1", "version"]]);
  });

  it("matches a Sqitch change by name to a unit whose version is its plan position", () => {
    const unit = { ...fakeMigration({ id: "0002_add_users" }), files: ["deploy/add_users.sql", "revert/add_users.sql", "verify/add_users.sql"] };
    const other = { ...fakeMigration({ id: "0001_schema" }), files: ["deploy/schema.sql", "revert/schema.sql"] };
    const dotted = { ...fakeMigration({ id: "0003_v1_2" }), files: ["deploy/v1.2.sql", "revert/v1.2.sql"] };
    const entries = [entry({ key: "add_users", name: "add_users" }), entry({ key: "schema", name: "schema" }), entry({ key: "v1.2", name: "v1.2" })];
    const result = realPlan("sqitch", entries, [other, unit, dotted], new Map());
    expect(result.problems).toEqual([]);
    expect(result.mapped.map((m) => [m.entry.key, m.migration.version, m.by])).toEqual([["schema", "0001", "key"], ["add_users", "0002", "key"], ["v1.2", "0003", "key"]]);
  });

  it("verifies Prisma's checksum as leniently as Prisma: CRLF and the old unpadded hex pass, an edit does not", () => {
    const m = { ...fakeMigration({ id: "20240101000001_init" }), files: ["20240101000001_init/migration.sql"], up: { file: "20240101000001_init/migration.sql", text: "", startLine: 1 } };
    const lf = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
    const stored = foreignChecksumOf("sha256", [lf.replaceAll("\n", "\r\n")]);
    const ok = realPlan("prisma", [entry({ key: "20240101000001_init", version: "20240101000001", checksum: { kind: "sha256", value: stored } })], [m], new Map([[m.up.file, lf]]));
    expect(ok.problems).toEqual([]);
    const edited = realPlan("prisma", [entry({ key: "20240101000001_init", version: "20240101000001", checksum: { kind: "sha256", value: stored } })], [m], new Map([[m.up.file, `${lf}-- edit\n`]]));
    expect(edited.problems.map((p) => p.code)).toEqual(["CHECKSUM_MISMATCH"]);
  });

  it("verifies Atlas's hash over every file up to the entry's, in directory order", () => {
    const ms = ["20240101000001_users", "20240101000002_posts", "20240101000003_tags"].map((id) => fakeMigration({ id }));
    const fileTexts = new Map(ms.map((m) => [m.files[0] as string, `-- ${m.id}\n`]));
    const pairs = ms.map((m) => [m.files[0] as string, fileTexts.get(m.files[0] as string) as string]);
    const atlas = (n: number) => ({ kind: "atlas" as const, value: foreignChecksumOf("atlas", pairs.slice(0, n).flat()) });
    const entries = [1, 2].map((n) => entry({ key: ms[n - 1]?.version as string, version: ms[n - 1]?.version as string, checksum: atlas(n), where: `atlas_schema_revisions version ${n}` }));
    expect(realPlan("atlas", entries, ms, fileTexts).problems).toEqual([]);
    fileTexts.set("20240101000001_users.sql", "-- changed\n");
    const tampered = realPlan("atlas", entries, ms, fileTexts);
    expect(tampered.problems.map((p) => p.files)).toEqual([["20240101000001_users.sql"], ["20240101000002_posts.sql"]]);
    expect(tampered.problems[1]?.message).toContain("an earlier file may be the one changed");
  });
});

describe("compareWithHistory", () => {
  const mapped = plan([entry({ key: "1", version: "1" }), entry({ key: "2", version: "2" })]).mapped;
  const row = (m: MigrationFile, over: Partial<AppliedMigration> = {}): AppliedMigration => ({
    version: m.version,
    name: m.name,
    checksum: m.checksum,
    state: "applied",
    appliedAt: null,
    durationMs: 0,
    batch: 1,
    appliedBy: null,
    statementsDone: 0,
    dependsOn: [],
    error: null,
    ...over,
  });
  const [m1, m2, m3] = migrations as [MigrationFile, MigrationFile, MigrationFile];

  it("an empty history: everything is to record", () => {
    const result = compareWithHistory("stratum_migrations", "tool", mapped, []);
    expect([ids(result.toRecord), ids(result.already), result.problems]).toEqual([["001_users", "002_orders"], [], []]);
  });

  it("the same set already recorded: nothing to record", () => {
    const result = compareWithHistory("stratum_migrations", "tool", mapped, [row(m1), row(m2)]);
    expect([ids(result.toRecord), ids(result.already), result.problems]).toEqual([[], ["001_users", "002_orders"], []]);
  });

  it("adopted before, and Stratum applied more since: nothing to record, no refusal", () => {
    const result = compareWithHistory("stratum_migrations", "tool", mapped, [row(m1), row(m2), row(m3)]);
    expect([ids(result.toRecord), ids(result.already), result.problems]).toEqual([[], ["001_users", "002_orders"], []]);
  });

  it("a history that disagrees refuses, naming each row", () => {
    const result = compareWithHistory("stratum_migrations", "tool", mapped, [row(m1, { state: "failed" }), row(m2, { checksum: "x" }), row(m3)]);
    expect(result.problems.map((p) => p.message)).toEqual([
      "stratum_migrations records 001_users as failed, while tool row 1 records it applied",
      "stratum_migrations records 002_orders as applied with another checksum, while tool row 2 records it applied",
      "stratum_migrations records 003_index as applied, while tool's history does not record it applied",
    ]);
  });
});

describe("user_version", () => {
  it("adopts the migrations up to N", () => {
    const { entries, problems } = userVersionEntries(3n, migrations);
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.key, e.where])).toEqual([
      ["001_users", "PRAGMA user_version = 3"],
      ["002_orders", "PRAGMA user_version = 3"],
      ["003_index", "PRAGMA user_version = 3"],
    ]);
  });

  it("refuses N above the highest migration, in one sentence", () => {
    const { entries, problems } = userVersionEntries(7n, migrations);
    expect(entries).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      "PRAGMA user_version = 7 is above the highest migration (004): the database was migrated with files that are not in the migrations directory",
    ]);
  });

  it.each([
    [["1", "2", "3"], "1–3"],
    [["001", "002"], "001–002"],
    [["4"], "4"],
    [["1", "2", "5"], "1, 2, 5"],
  ])("versionRange(%j) = %s", (versions, said) => {
    expect(versionRange(versions)).toBe(said);
  });
});
