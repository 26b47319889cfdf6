import { describe, expect, it } from "vitest";
import { diffSchemas, schemaSnapshot, type ColumnDefinition, type SchemaSnapshotParts, type TableObject } from "../../../src/core/schema/index.js";
import type { MigrationFile } from "../../../src/core/types.js";
import {
  cycleOutcome,
  downSentence,
  notVerifiedOutcome,
  notVerifiedReason,
  replayedOutcome,
  replayedVersions,
  reupSentence,
  runFailedOutcome,
  verifyCounts,
} from "../../../src/core/verify.js";
import { parseSqlMigration, parseSqlPair } from "../../../src/source/sql-file.js";

const column = (name: string, type = "integer"): ColumnDefinition => ({
  name,
  type,
  nullable: true,
  default: null,
  generated: null,
  identity: null,
  collation: null,
  onUpdate: null,
});

const table = (name: string, columns: ColumnDefinition[], extra: Partial<TableObject> = {}): TableObject => ({
  kind: "table",
  name,
  columns,
  constraints: [],
  definition: null,
  ...extra,
});

const index = (name: string, tbl: string, columns: string[]) =>
  ({ kind: "index", name, table: tbl, unique: false, method: "btree", columns, predicate: null, definition: null }) as const;

const snap = (parts: SchemaSnapshotParts) => schemaSnapshot(parts);

function migration(id: string, extra: Partial<MigrationFile> = {}): MigrationFile {
  const [version = "", ...rest] = id.split("_");
  return {
    version,
    name: rest.join("_"),
    id,
    kind: "sql",
    files: [`${id}.sql`],
    path: `/m/${id}.sql`,
    checksum: "x",
    up: { file: `${id}.sql`, text: "select 1;", startLine: 2 },
    down: { file: `${id}.sql`, text: "select 1;", startLine: 4 },
    verify: null,
    options: { dependsOn: [], irreversible: false, requires: [] },
    ...extra,
  };
}

// Snapshots shaped as each dialect names its objects: PostgreSQL (schema-qualified, functions
// with their argument types), MySQL/MariaDB (indexes scoped by table), SQLite (bare names).
describe("verify: what a down leaves behind, as sentences", () => {
  const users = table("public.users", [column("id"), column("email", "text")]);

  it("PostgreSQL: a forgotten DROP FUNCTION, a dropped index that existed before, a changed column type", () => {
    const beforeUp = snap({ tables: [users], indexes: [index("public.users_email_idx", "public.users", ["email"])] });
    const afterDown = snap({
      tables: [table("public.users", [column("id", "bigint"), column("email", "text")])],
      routines: [{ kind: "function", name: "public.audit_row()", returns: "trigger", language: "plpgsql", definition: "CREATE FUNCTION …" }],
    });
    const sentences = diffSchemas(beforeUp, afterDown).map((change) => downSentence("0042_add_audit", change));
    expect(sentences).toEqual([
      "down of 0042_add_audit changes column public.users.id: type integer → bigint",
      "down of 0042_add_audit drops index public.users_email_idx that existed before",
      "down of 0042_add_audit leaves function public.audit_row()",
    ]);
  });

  it("MySQL/MariaDB: a forgotten DROP TRIGGER, a column the down leaves, a dropped unique constraint", () => {
    const t = table("app.orders", [column("id")], { constraints: [{ name: "orders_ref_key", type: "unique", definition: "UNIQUE (ref)" }] });
    const beforeUp = snap({ tables: [t] });
    const afterDown = snap({
      tables: [table("app.orders", [column("id"), column("note", "varchar(20)")])],
      triggers: [{ kind: "trigger", name: "app.orders_bi", table: "app.orders", timing: "BEFORE", events: ["INSERT"], definition: "…" }],
    });
    const sentences = diffSchemas(beforeUp, afterDown).map((change) => downSentence("007_orders", change));
    expect(sentences).toEqual([
      "down of 007_orders leaves column app.orders.note",
      "down of 007_orders drops constraint app.orders.orders_ref_key that existed before",
      "down of 007_orders leaves trigger app.orders_bi",
    ]);
  });

  it("the second up: objects and properties that differ from the first up's", () => {
    const firstUp = snap({ views: [{ kind: "view", name: "public.v", definition: "SELECT 1" }], indexes: [index("public.a_idx", "public.t", ["a"])] });
    const secondUp = snap({ views: [{ kind: "view", name: "public.v", definition: "SELECT 2" }], indexes: [index("public.b_idx", "public.t", ["b"])] });
    expect(diffSchemas(firstUp, secondUp).map((change) => reupSentence("003_v", change))).toEqual([
      "second up of 003_v changes view public.v: definition SELECT 1 → SELECT 2",
      "second up of 003_v lacks index public.a_idx that the first up made",
      "second up of 003_v leaves index public.b_idx that the first up did not",
    ]);
  });

  it("a long changed value is cut and put on one line", () => {
    const body = `SELECT ${"x, ".repeat(40)}\n  y`;
    const sentence = downSentence("001_a", { change: "changed", kind: "view", name: "v", field: "definition", before: body, after: null });
    expect(sentence).toMatch(/^down of 001_a changes view v: definition SELECT x, x, .{40,}… → none$/);
    expect(sentence).not.toContain("\n");
  });
});

describe("verify: outcomes", () => {
  const m = migration("0042_add_audit");

  it("a clean cycle is verified; any difference fails it with one sentence each, down's first", () => {
    expect(cycleOutcome(m, [], [])).toEqual({
      version: "0042",
      name: "add_audit",
      file: "0042_add_audit.sql",
      outcome: "verified",
      downDifferences: [],
      reupDifferences: [],
      problems: [],
    });
    const failed = cycleOutcome(m, [{ change: "added", kind: "index", name: "i" }], [{ change: "removed", kind: "view", name: "v" }]);
    expect(failed.outcome).toBe("failed");
    expect(failed.error).toBeUndefined();
    expect(failed.problems).toEqual(["down of 0042_add_audit leaves index i", "second up of 0042_add_audit lacks view v that the first up made"]);
  });

  it("a table's text that changed only because a column did is not said twice (SQLite keeps the CREATE TABLE)", () => {
    const before = snap({ tables: [table("users", [column("id")], { definition: "CREATE TABLE users (id integer)" })] });
    const after = snap({ tables: [table("users", [column("id"), column("nick", "text")], { definition: "CREATE TABLE users (id integer, nick text)" })] });
    expect(cycleOutcome(m, diffSchemas(before, after), []).problems).toEqual(["down of 0042_add_audit leaves column users.nick"]);
    // a text change with nothing else to name is kept
    const reworded = snap({ tables: [table("users", [column("id")], { definition: "CREATE TABLE users (id integer) STRICT" })] });
    expect(cycleOutcome(m, diffSchemas(before, reworded), []).problems).toEqual([
      "down of 0042_add_audit changes table users: definition CREATE TABLE users (id integer) → CREATE TABLE users (id integer) STRICT",
    ]);
  });

  it("a run that fails names the run and keeps the server's message; what the down left is said first", () => {
    const failed = runFailedOutcome(m, "second up", "migration 0042_add_audit failed at 0042_add_audit.sql:3: index i already exists", [
      { change: "added", kind: "index", name: "i" },
    ]);
    expect(failed).toMatchObject({ outcome: "failed", error: { run: "second up", message: expect.stringContaining("0042_add_audit.sql:3") } });
    expect(failed.problems).toEqual([
      "down of 0042_add_audit leaves index i",
      "second up of 0042_add_audit failed on the shadow database: migration 0042_add_audit failed at 0042_add_audit.sql:3: index i already exists",
    ]);
  });

  it("replayed and not-verified carry no differences; not-verified says why", () => {
    expect(replayedOutcome(m)).toMatchObject({ outcome: "replayed", problems: [] });
    expect(notVerifiedOutcome(m, "irreversible (no down)")).toMatchObject({ outcome: "not-verified", reason: "irreversible (no down)" });
  });

  it("why a migration is not verified: the skip reason first, then irreversible, then no down", () => {
    const options = { dependsOn: [], irreversible: false, requires: [] };
    expect(notVerifiedReason(options, true)).toBeNull();
    expect(notVerifiedReason(options, false)).toBe("irreversible (no down)");
    expect(notVerifiedReason({ ...options, irreversible: true }, false)).toBe("irreversible (marked irreversible)");
    expect(notVerifiedReason({ ...options, irreversible: true, verifySkip: "backfill" }, false)).toBe("skipped: backfill");
  });

  it("counts: a failed up counts as a run failure, a failed down or second up only as failed verification", () => {
    const counts = verifyCounts([
      cycleOutcome(migration("001_a"), [], []),
      replayedOutcome(migration("002_b")),
      runFailedOutcome(migration("003_c"), "down", "boom"),
      runFailedOutcome(migration("004_d"), "up", "boom"),
    ]);
    expect(counts).toEqual({ verified: 1, failed: 2, notVerified: 0, replayed: 1, runFailed: 1 });
  });
});

describe("verify: what is replayed", () => {
  const ordered = ["001_a", "002_b", "1.3_c", "004_d"].map((id) => migration(id));

  it("nothing without --from or --pending", () => {
    expect([...(replayedVersions(ordered, null) ?? [])]).toEqual([]);
  });

  it("--from: up to and including the version, however it is written", () => {
    expect([...(replayedVersions(ordered, { from: "2" }) ?? [])]).toEqual(["001", "002"]);
    expect([...(replayedVersions(ordered, { from: "002_b" }) ?? [])]).toEqual(["001", "002"]);
    expect(replayedVersions(ordered, { from: "9" })).toBeNull();
  });

  it("--pending: what the target has applied, wherever it is in the order", () => {
    expect([...(replayedVersions(ordered, { applied: ["1", "004"] }) ?? [])]).toEqual(["001", "004"]);
  });
});

describe("the -- stratum:verify skip directive", () => {
  it("carries its reason into the migration's options", () => {
    const parsed = parseSqlMigration("005_x.sql", "-- stratum:verify skip the down restores no data\n-- migrate:up\nselect 1;\n-- migrate:down\nselect 1;\n");
    expect(parsed.problems).toEqual([]);
    expect(parsed.options.verifySkip).toBe("the down restores no data");
  });

  it("without a reason, or with another word than skip, is an error at file:line", () => {
    const missing = parseSqlMigration("005_x.sql", "-- header\n-- stratum:verify skip\n-- migrate:up\nselect 1;\n");
    expect(missing.problems).toMatchObject([{ code: "BAD_DIRECTIVE", files: ["005_x.sql:2"], message: expect.stringContaining("gives no reason at 005_x.sql:2") }]);
    const other = parseSqlMigration("005_x.sql", "-- stratum:verify always\n-- migrate:up\nselect 1;\n");
    expect(other.problems).toMatchObject([{ code: "BAD_DIRECTIVE", files: ["005_x.sql:1"] }]);
  });

  it("is refused in a .down.sql file (it belongs to the migration)", () => {
    const parsed = parseSqlPair("005_x.up.sql", "select 1;\n", "005_x.down.sql", "-- stratum:verify skip no\nselect 1;\n");
    expect(parsed.problems).toMatchObject([{ code: "BAD_DIRECTIVE", files: ["005_x.down.sql:1"] }]);
    expect(parsed.options.verifySkip).toBeUndefined();
  });
});
