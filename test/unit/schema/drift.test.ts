// Drift's pure part: the fingerprint of a snapshot, and changes named as sentences.
import { describe, expect, it } from "vitest";
import { diffSchemas, type SchemaChange } from "../../../src/core/schema/diff.js";
import { canonicalJson, driftSentence, driftSentences, driftSummary, fingerprintOf, noSnapshotSentence, withoutRedundant } from "../../../src/core/schema/drift.js";
import { schemaSnapshot, type TableObject } from "../../../src/core/schema/model.js";

const column = (name: string, type = "integer") => ({ name, type, nullable: true, default: null, generated: null, identity: null, collation: null, onUpdate: null });
const table = (name: string, columns = [column("id")], definition: string | null = null): TableObject => ({ kind: "table", name, columns, constraints: [], definition });

describe("fingerprintOf", () => {
  it("is the same whatever the key order of the objects, and differs when the schema does", () => {
    const a = schemaSnapshot({ tables: [table("public.users")] });
    const reordered = JSON.parse(JSON.stringify(a, (_key, value: unknown) => (value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value)));
    expect(canonicalJson(reordered)).toBe(canonicalJson(a));
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(a));
    expect(fingerprintOf(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(schemaSnapshot({ tables: [table("public.users", [column("id", "bigint")])] }))).not.toBe(fingerprintOf(a));
  });
});

describe("driftSentence", () => {
  it.each<[SchemaChange, string]>([
    [{ change: "added", kind: "column", name: "public.users.nickname" }, "column public.users.nickname was added outside migrations"],
    [{ change: "removed", kind: "index", name: "public.users_email_idx" }, "index public.users_email_idx was removed outside migrations"],
    [
      { change: "changed", kind: "view", name: "public.active_users", field: "definition", before: ` SELECT users.id FROM public.users ${"WHERE true ".repeat(8)}`, after: " SELECT users.id FROM public.users" },
      "view public.active_users: definition changed outside migrations",
    ],
    [
      { change: "changed", kind: "column", name: "public.users.age", field: "type", before: "integer", after: "bigint" },
      "column public.users.age: type changed outside migrations (was integer, now bigint)",
    ],
    [
      { change: "changed", kind: "column", name: "users.age", field: "default", before: null, after: "0" },
      "column users.age: default changed outside migrations (was none, now 0)",
    ],
  ])("%j", (change, sentence) => {
    expect(driftSentence(change)).toBe(sentence);
  });

  it("names every change of a diff, expected → live", () => {
    const recorded = schemaSnapshot({ tables: [table("users")], indexes: [{ kind: "index", name: "users_email_idx", table: "users", unique: false, method: null, columns: ["email"], predicate: null, definition: null }] });
    const live = schemaSnapshot({ tables: [table("users", [column("id"), column("nickname", "text")])] });
    expect(driftSentences(diffSchemas(recorded, live))).toEqual(["column users.nickname was added outside migrations", "index users_email_idx was removed outside migrations"]);
  });
});

describe("withoutRedundant", () => {
  it("drops a table's definition change when its columns changed with it, and keeps one that stands alone", () => {
    const recorded = schemaSnapshot({ tables: [table("users", [column("id")], "CREATE TABLE users (id)"), table("logs", [column("id")], "CREATE TABLE logs (id)")] });
    const live = schemaSnapshot({
      tables: [table("users", [column("id"), column("nick")], "CREATE TABLE users (id, nick)"), table("logs", [column("id")], "CREATE TABLE logs (id) STRICT")],
    });
    expect(driftSentences(withoutRedundant(diffSchemas(recorded, live)))).toEqual([
      "table logs: definition changed outside migrations (was CREATE TABLE logs (id), now CREATE TABLE logs (id) STRICT)",
      "column users.nick was added outside migrations",
    ]);
  });
});

describe("summaries", () => {
  it("lists the first sentences and counts the rest", () => {
    expect(driftSummary(["a", "b", "c"], 2)).toBe("a; b; and 1 more");
    expect(driftSummary(["a"])).toBe("a");
  });

  it("says how to get a snapshot when none is recorded", () => {
    const sentence = noSnapshotSentence("postgres://app@localhost/app");
    expect(sentence).toContain("no schema snapshot is recorded for postgres://app@localhost/app");
    expect(sentence).toContain("`stratum up`");
    expect(sentence).toContain("`stratum drift --replay`");
  });
});
