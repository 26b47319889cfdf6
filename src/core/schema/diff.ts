// What differs between two schema snapshots, object by object, named by kind and qualified name.

import {
  SCHEMA_OBJECT_KINDS,
  byText,
  compareObjects,
  type ColumnDefinition,
  type ConstraintDefinition,
  type SchemaObject,
  type SchemaObjectKind,
  type SchemaSnapshot,
  type TableObject,
} from "./model.js";

/** Objects and the parts of a table that are diffed one by one. */
export type SchemaChangeKind = SchemaObjectKind | "column" | "constraint";

export type SchemaChange =
  | { readonly change: "added" | "removed"; readonly kind: SchemaChangeKind; readonly name: string }
  | {
      readonly change: "changed";
      readonly kind: SchemaChangeKind;
      readonly name: string;
      /** The property that differs: `type`, `definition`, `column order`, … */
      readonly field: string;
      readonly before: string | null;
      readonly after: string | null;
    };

type Fields = Record<string, string | null>;

/** A property as comparable text: lists joined, booleans as yes/no. */
function fieldText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(String).join(", ");
  return String(value);
}

function fieldsOf(object: object, skip: readonly string[]): Fields {
  const fields: Fields = {};
  for (const [key, value] of Object.entries(object)) {
    if (!skip.includes(key)) fields[key] = fieldText(value);
  }
  return fields;
}

function changedFields(kind: SchemaChangeKind, name: string, before: Fields, after: Fields): SchemaChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((field) => (before[field] ?? null) !== (after[field] ?? null))
    .map((field) => ({ change: "changed", kind, name, field, before: before[field] ?? null, after: after[field] ?? null }));
}

/** Added, removed and changed members of two named lists, in the order given. */
function diffNamed<T extends { readonly name: string }>(
  kind: SchemaChangeKind,
  prefix: string,
  before: readonly T[],
  after: readonly T[],
  fields: (item: T) => Fields,
): SchemaChange[] {
  const was = new Map(before.map((item) => [item.name, item]));
  const is = new Map(after.map((item) => [item.name, item]));
  const changes: SchemaChange[] = [];
  for (const [name, item] of was) {
    const now = is.get(name);
    if (now === undefined) changes.push({ change: "removed", kind, name: prefix + name });
    else changes.push(...changedFields(kind, prefix + name, fields(item), fields(now)));
  }
  for (const name of is.keys()) if (!was.has(name)) changes.push({ change: "added", kind, name: prefix + name });
  return changes;
}

function diffTables(before: TableObject, after: TableObject): SchemaChange[] {
  if (before.columns === after.columns && before.definition === after.definition && sameItems(before.constraints, after.constraints)) return [];
  const changes = changedFields("table", before.name, { definition: before.definition }, { definition: after.definition });
  const prefix = `${before.name}.`;
  const columnFields = (c: ColumnDefinition) => fieldsOf(c, ["name"]);
  changes.push(...diffNamed("column", prefix, before.columns, after.columns, columnFields));
  // Column order matters (SELECT *, INSERT without a column list); compared over the columns both keep.
  const kept = new Set(after.columns.map((c) => c.name));
  const was = before.columns.map((c) => c.name).filter((n) => kept.has(n));
  const still = new Set(was);
  const is = after.columns.map((c) => c.name).filter((n) => still.has(n));
  if (was.join("\u0000") !== is.join("\u0000")) {
    changes.push({ change: "changed", kind: "table", name: before.name, field: "column order", before: was.join(", "), after: is.join(", ") });
  }
  const constraintFields = (c: ConstraintDefinition) => fieldsOf(c, ["name"]);
  changes.push(...diffNamed("constraint", prefix, before.constraints, after.constraints, constraintFields));
  return changes;
}

const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((item, i) => item === b[i]);

const identity = (object: SchemaObject): string => `${object.kind}\u0000${object.name}`;

/** A snapshot's lists, each of objects of one or two kinds, sorted by kind, then name. */
const LISTS = ["schemas", "extensions", "types", "sequences", "tables", "views", "indexes", "routines", "triggers", "events"] as const;

/**
 * Every difference from `before` to `after`: objects added or removed (an added table is one
 * change, not one per column), and for objects in both, each property that differs, with
 * tables compared column by column and constraint by constraint. Sorted by kind, then name.
 */
export function diffSchemas(before: SchemaSnapshot, after: SchemaSnapshot): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const list of LISTS) diffList(before[list], after[list], changes);
  return changes.sort(compareChanges);
}

/** The changes from `was` to `is`, one list of a snapshot each: walked side by side, as both are sorted. */
function diffList(was: readonly SchemaObject[], is: readonly SchemaObject[], changes: SchemaChange[]): void {
  if (was === is) return;
  if (!isSorted(was) || !isSorted(is)) return diffByName(was, is, changes);
  let i = 0;
  let j = 0;
  while (i < was.length || j < is.length) {
    const object = was[i];
    const now = is[j];
    const order = object === undefined ? 1 : now === undefined ? -1 : compareObjects(object, now);
    if (order < 0) {
      changes.push({ change: "removed", kind: object!.kind, name: object!.name });
      i++;
    } else if (order > 0) {
      changes.push({ change: "added", kind: now!.kind, name: now!.name });
      j++;
    } else {
      compareOne(object!, now!, changes);
      i++;
      j++;
    }
  }
}

/** A list made elsewhere (a snapshot read back from JSON) may not be in order, or hold one name twice: by name then. */
function diffByName(was: readonly SchemaObject[], is: readonly SchemaObject[], changes: SchemaChange[]): void {
  const before = new Map(was.map((o) => [identity(o), o]));
  const after = new Map(is.map((o) => [identity(o), o]));
  for (const [key, object] of before) {
    const now = after.get(key);
    if (now === undefined) changes.push({ change: "removed", kind: object.kind, name: object.name });
    else compareOne(object, now, changes);
  }
  for (const [key, object] of after) if (!before.has(key)) changes.push({ change: "added", kind: object.kind, name: object.name });
}

function compareOne(object: SchemaObject, now: SchemaObject, changes: SchemaChange[]): void {
  // the same object (a dialect that remembers gives back what did not change): nothing to compare
  if (now === object) return;
  if (object.kind === "table" && now.kind === "table") changes.push(...diffTables(object, now));
  else changes.push(...changedFields(object.kind, object.name, fieldsOf(object, ["kind", "name"]), fieldsOf(now, ["kind", "name"])));
}

function isSorted(list: readonly SchemaObject[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareObjects(list[i - 1]!, list[i]!) >= 0) return false;
  return true;
}

const changeKindRank = (kind: SchemaChangeKind): number =>
  kind === "column" ? SCHEMA_OBJECT_KINDS.indexOf("table") + 0.1 : kind === "constraint" ? SCHEMA_OBJECT_KINDS.indexOf("table") + 0.2 : SCHEMA_OBJECT_KINDS.indexOf(kind);

function compareChanges(a: SchemaChange, b: SchemaChange): number {
  return changeKindRank(a.kind) - changeKindRank(b.kind) || byText(a.name, b.name);
}

const MAX_VALUE = 60;

function shown(value: string | null): string {
  if (value === null) return "none";
  const flat = value.replace(/\s+/g, " ").trim();
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE - 1)}…` : flat;
}

/** One short sentence: `added function public.f(integer)`, `changed column public.t.c: type integer → bigint`. */
export function describeChange(change: SchemaChange): string {
  if (change.change !== "changed") return `${change.change} ${change.kind} ${change.name}`;
  return `changed ${change.kind} ${change.name}: ${change.field} ${shown(change.before)} → ${shown(change.after)}`;
}

export function describeChanges(changes: readonly SchemaChange[]): string[] {
  return changes.map(describeChange);
}

/**
 * A few words on how the schema changed, for a message: `table(s) created: a, b` and
 * `table(s) dropped: …` when tables came or went, else the first changes' sentences. Empty when
 * the snapshots are equal (or there are none: a dialect that cannot describe its schema).
 */
export function schemaChangeSummary(before: SchemaSnapshot | null, after: SchemaSnapshot | null, limit = 3): string[] {
  if (before === null || after === null) return [];
  const changes = diffSchemas(before, after);
  const tables = (change: "added" | "removed") => changes.filter((c) => c.kind === "table" && c.change === change).map((c) => c.name);
  const summary: string[] = [];
  if (tables("added").length > 0) summary.push(`table(s) created: ${tables("added").join(", ")}`);
  if (tables("removed").length > 0) summary.push(`table(s) dropped: ${tables("removed").join(", ")}`);
  if (summary.length > 0 || changes.length === 0) return summary;
  const sentences = describeChanges(changes.slice(0, limit));
  if (changes.length > limit) sentences.push(`and ${changes.length - limit} more schema change(s)`);
  return sentences;
}
