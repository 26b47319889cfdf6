// Drift's pure part: the fingerprint of a snapshot, and changes named as sentences.
import { describe, expect, it } from "vitest";
import { diffSchemas, type SchemaChange } from "../../../src/core/schema/diff.js";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { decodeSnapshot, encodeSnapshot } from "../../../src/history/schema-store.js";
import { canonicalChunks, canonicalJson, driftSentence, driftSentences, driftSummary, fingerprintOf, noSnapshotSentence, withoutRedundant } from "../../../src/core/schema/drift.js";
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

describe("canonicalChunks", () => {
  const many = (n: number) =>
    schemaSnapshot({ tables: Array.from({ length: n }, (_, i) => table(`public.t${String(i).padStart(5, "0")}`, [column("id"), column("name", "varchar(100)")], "x".repeat(i % 7))) });

  it("joined, is canonicalJson's text: of a snapshot, of a plain value, with undefined in objects and lists", () => {
    const odd = { b: [1, undefined, { z: 1, a: undefined, m: [null] }], a: "x", c: undefined, d: { y: 2, x: 1 } };
    for (const value of [many(0), many(3), many(2000), odd, [3, { b: 1, a: 2 }], "text", 42, null]) {
      expect([...canonicalChunks(value)].join("")).toBe(canonicalJson(value));
    }
  });

  it("hands a large snapshot on in pieces of about 64 KB, never as one string", () => {
    const pieces = [...canonicalChunks(many(5000))];
    expect(pieces.length).toBeGreaterThan(5);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(64 * 1024 + 1024);
  });

  it("encodes a large snapshot as gzip of that text, with the fingerprint of that text, and decodes it back", async () => {
    const snapshot = many(3000);
    const encoded = await encodeSnapshot(snapshot);
    expect(encoded.encoding).toBe("gzip-base64");
    const json = gunzipSync(Buffer.from(encoded.text, "base64")).toString("utf8");
    expect(json).toBe(canonicalJson(snapshot));
    expect(encoded.fingerprint).toBe(createHash("sha256").update(json).digest("hex"));
    expect(encoded.fingerprint).toBe(fingerprintOf(snapshot));
    expect(decodeSnapshot(encoded.encoding, encoded.text)).toEqual(snapshot);
  });

  it("stores a small snapshot as its JSON text", async () => {
    const snapshot = many(2);
    expect(await encodeSnapshot(snapshot)).toEqual({ fingerprint: fingerprintOf(snapshot), encoding: "json", text: canonicalJson(snapshot) });
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
