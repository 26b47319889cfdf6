import { describe, expect, it } from "vitest";
import {
  describeChanges,
  diffSchemas,
  schemaChangeSummary,
  schemaObjects,
  schemaSnapshot,
  withoutTables,
  type ColumnDefinition,
  type SchemaSnapshotParts,
  type TableObject,
} from "../../../src/core/schema/index.js";

const column = (name: string, type = "integer", extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({
  name,
  type,
  nullable: true,
  default: null,
  generated: null,
  identity: null,
  collation: null,
  onUpdate: null,
  ...extra,
});

const table = (name: string, columns: ColumnDefinition[], extra: Partial<TableObject> = {}): TableObject => ({
  kind: "table",
  name,
  columns,
  constraints: [],
  definition: null,
  ...extra,
});

const fn = (name: string, body: string) =>
  ({ kind: "function", name, returns: "integer", language: "sql", definition: `CREATE FUNCTION ${name} RETURNS integer AS $$${body}$$` }) as const;

const index = (name: string, tbl: string, columns: string[]) =>
  ({ kind: "index", name, table: tbl, unique: false, method: "btree", columns, predicate: null, definition: null }) as const;

const snap = (parts: SchemaSnapshotParts) => schemaSnapshot(parts);

describe("diffSchemas / describeChanges", () => {
  const base: SchemaSnapshotParts = { schemas: [{ kind: "schema", name: "public" }], tables: [table("public.t", [column("id"), column("c")])] };

  it.each<[string, SchemaSnapshotParts, SchemaSnapshotParts, string[]]>([
    ["equal snapshots", base, base, []],
    ["an added function", base, { ...base, routines: [fn("public.f(integer)", "select 1")] }, ["added function public.f(integer)"]],
    ["a removed index", { ...base, indexes: [index("public.orders_idx", "public.t", ["c"])] }, base, ["removed index public.orders_idx"]],
    [
      "a column type change",
      base,
      { ...base, tables: [table("public.t", [column("id"), column("c", "bigint")])] },
      ["changed column public.t.c: type integer → bigint"],
    ],
    [
      "a column made not null, another added",
      base,
      { ...base, tables: [table("public.t", [column("id", "integer", { nullable: false }), column("c"), column("d")])] },
      ["added column public.t.d", "changed column public.t.id: nullable yes → no"],
    ],
    [
      "a new table is one change, not one per column",
      base,
      { ...base, tables: [...(base.tables ?? []), table("public.u", [column("a"), column("b")])] },
      ["added table public.u"],
    ],
    [
      "column order",
      base,
      { ...base, tables: [table("public.t", [column("c"), column("id")])] },
      ["changed table public.t: column order id, c → c, id"],
    ],
    [
      "a constraint",
      base,
      { ...base, tables: [table("public.t", [column("id"), column("c")], { constraints: [{ name: "t_pkey", type: "primary", definition: "PRIMARY KEY (id)" }] })] },
      ["added constraint public.t.t_pkey"],
    ],
    [
      "a changed view definition, long text shortened",
      { views: [{ kind: "view", name: "v", definition: "select 1" }] },
      { views: [{ kind: "view", name: "v", definition: `select ${"a, ".repeat(40)}b` }] },
      [`changed view v: definition select 1 → select ${"a, ".repeat(17)}a…`],
    ],
    [
      "a view replaced by a materialized view of the same name",
      { views: [{ kind: "view", name: "v", definition: "select 1" }] },
      { views: [{ kind: "materialized view", name: "v", definition: "select 1" }] },
      ["removed view v", "added materialized view v"],
    ],
    [
      "changes sorted by kind, then name",
      {},
      {
        triggers: [{ kind: "trigger", name: "trg", table: "t", timing: "BEFORE", events: ["INSERT"], definition: "…" }],
        types: [{ kind: "type", name: "public.mood", type: "enum", values: ["sad", "happy"], definition: null }],
        extensions: [{ kind: "extension", name: "pgcrypto", version: "1.3", schema: "public" }],
        sequences: [{ kind: "sequence", name: "public.s", type: "bigint", start: "1", increment: "1", min: "1", max: "9", cycle: false, ownedBy: null }],
        events: [{ kind: "event", name: "nightly", definition: "…" }],
      },
      ["added extension pgcrypto", "added type public.mood", "added sequence public.s", "added trigger trg", "added event nightly"],
    ],
    [
      "enum labels",
      { types: [{ kind: "type", name: "public.mood", type: "enum", values: ["sad"], definition: null }] },
      { types: [{ kind: "type", name: "public.mood", type: "enum", values: ["sad", "happy"], definition: null }] },
      ["changed type public.mood: values sad → sad, happy"],
    ],
  ])("%s", (_title, before, after, expected) => {
    expect(describeChanges(diffSchemas(snap(before), snap(after)))).toEqual(expected);
  });

  it("gives the changes as data", () => {
    expect(diffSchemas(snap(base), snap({ ...base, tables: [table("public.t", [column("id"), column("c", "text")])] }))).toEqual([
      { change: "changed", kind: "column", name: "public.t.c", field: "type", before: "integer", after: "text" },
    ]);
  });
});

describe("diffSchemas over lists out of order", () => {
  // a snapshot read back from JSON written by another version may list objects in another order
  it("gives the changes a sorted pair gives: removed, added and changed, across kinds", () => {
    const before = snap({
      tables: [table("public.a", [column("id")]), table("public.b", [column("id")]), table("public.c", [column("id")])],
      views: [
        { kind: "view", name: "public.v", definition: "select 1" },
        { kind: "materialized view", name: "public.m", definition: "select 1" },
      ],
      routines: [fn("public.f(integer)", "select 1"), { kind: "procedure", name: "public.p()", returns: null, language: "sql", definition: "CALL" }],
    });
    const after = snap({
      tables: [table("public.b", [column("id"), column("x")]), table("public.c", [column("id")]), table("public.d", [column("id")])],
      views: [{ kind: "materialized view", name: "public.m", definition: "select 2" }],
      routines: [fn("public.f(integer)", "select 2"), fn("public.g(integer)", "select 1")],
    });
    const sorted = diffSchemas(before, after);
    expect(describeChanges(sorted)).toEqual([
      "removed table public.a",
      "added table public.d",
      "added column public.b.x",
      "removed view public.v",
      "changed materialized view public.m: definition select 1 → select 2",
      "changed function public.f(integer): definition CREATE FUNCTION public.f(integer) RETURNS integer AS $$sele… → CREATE FUNCTION public.f(integer) RETURNS integer AS $$sele…",
      "added function public.g(integer)",
      "removed procedure public.p()",
    ]);
    const reversed = (s: typeof before) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, [...(v as unknown[])].reverse()])) as typeof before;
    expect(diffSchemas(reversed(before), reversed(after))).toEqual(sorted);
    expect(diffSchemas(before, reversed(after))).toEqual(sorted);
  });

  it("an object given again as the same object is not compared; an equal copy gives no change either", () => {
    const t = table("public.t", [column("id")]);
    const a = snap({ tables: [t] });
    expect(snap({ tables: [t] }).tables[0]).toBe(a.tables[0]);
    expect(diffSchemas(a, snap({ tables: [t] }))).toEqual([]);
    expect(diffSchemas(a, snap({ tables: [table("public.t", [column("id")])] }))).toEqual([]);
  });
});

describe("schemaSnapshot", () => {
  it("sorts every list by name, whatever the order given", () => {
    const a = snap({ tables: [table("b", []), table("a", [])], indexes: [index("z", "a", ["x"]), index("y", "b", ["x"])] });
    const b = snap({ indexes: [index("y", "b", ["x"]), index("z", "a", ["x"])], tables: [table("a", []), table("b", [])] });
    expect(a).toEqual(b);
    expect(schemaObjects(a).map((o) => `${o.kind} ${o.name}`)).toEqual(["table a", "table b", "index y", "index z"]);
  });
});

describe("withoutTables", () => {
  it("drops the named tables with their indexes, triggers and owned sequences", () => {
    const full = snap({
      tables: [table("public.stratum_log", [column("id")]), table("public.t", [])],
      indexes: [index("public.stratum_log_pkey", "public.stratum_log", ["id"]), index("public.t_idx", "public.t", ["id"])],
      sequences: [
        { kind: "sequence", name: "public.stratum_log_id_seq", type: "bigint", start: "1", increment: "1", min: "1", max: "9", cycle: false, ownedBy: "public.stratum_log.id" },
        { kind: "sequence", name: "public.s", type: "bigint", start: "1", increment: "1", min: "1", max: "9", cycle: false, ownedBy: null },
      ],
      triggers: [{ kind: "trigger", name: "public.trg", table: "public.stratum_log", timing: "BEFORE", events: ["INSERT"], definition: "…" }],
    });
    const left = withoutTables(full, ["STRATUM_LOG"]);
    expect(schemaObjects(left).map((o) => o.name)).toEqual(["public.s", "public.t", "public.t_idx"]);
  });
});

describe("schemaChangeSummary", () => {
  const one = snap({ tables: [table("a", [])] });
  it.each<[string, SchemaSnapshotParts | null, SchemaSnapshotParts | null, string[]]>([
    ["no snapshots", null, null, []],
    ["equal", { tables: [table("a", [])] }, { tables: [table("a", [])] }, []],
    ["created and dropped", { tables: [table("a", [])] }, { tables: [table("b", []), table("c", [])] }, ["table(s) created: b, c", "table(s) dropped: a"]],
    ["other changes", { tables: [table("a", [])] }, { tables: [table("a", [])], routines: [fn("f()", "")] }, ["added function f()"]],
    [
      "many changes, the first three",
      { tables: [table("a", [])] },
      { tables: [table("a", [column("w"), column("x"), column("y"), column("z")])] },
      ["added column a.w", "added column a.x", "added column a.y", "and 1 more schema change(s)"],
    ],
  ])("%s", (_title, before, after, expected) => {
    expect(schemaChangeSummary(before && snap(before), after && snap(after))).toEqual(expected);
    expect(one.tables).toHaveLength(1);
  });
});
