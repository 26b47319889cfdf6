// The neutral schema model: one shape for every dialect's introspection, plain sorted data, so
// two snapshots of the same schema are deeply equal whatever the creation order or the server's
// internal ids. Names are qualified relative to the database: `schema.name` on PostgreSQL, the
// bare name on MySQL/MariaDB (the database is the schema) and SQLite. Functions and procedures
// carry their argument types in the name (`public.f(integer)`), as overloads are distinct objects.

/** Every kind of object a snapshot holds, in the order snapshots (and diffs) list them. */
export const SCHEMA_OBJECT_KINDS = [
  "schema",
  "extension",
  "type",
  "sequence",
  "table",
  "view",
  "materialized view",
  "index",
  "function",
  "procedure",
  "trigger",
  "event",
] as const;
export type SchemaObjectKind = (typeof SCHEMA_OBJECT_KINDS)[number];

export interface SchemaNamespace {
  readonly kind: "schema";
  readonly name: string;
}

export interface ExtensionObject {
  readonly kind: "extension";
  readonly name: string;
  readonly version: string;
  /** The schema its objects live in. */
  readonly schema: string;
}

export interface TypeObject {
  readonly kind: "type";
  readonly name: string;
  readonly type: "enum" | "composite" | "domain" | "range";
  /** Enum labels in sort order, composite attributes as `name type`, else empty. */
  readonly values: readonly string[];
  /** A domain's base type and constraints, a range's subtype; null otherwise. */
  readonly definition: string | null;
}

export interface SequenceObject {
  readonly kind: "sequence";
  readonly name: string;
  readonly type: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cycle: boolean;
  /** `schema.table.column` for a serial or identity column's sequence, else null. */
  readonly ownedBy: string | null;
}

export interface ColumnDefinition {
  readonly name: string;
  /** As the server prints it: `character varying(20)`, `int(11) unsigned`, `TEXT`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default as SQL text, or null. */
  readonly default: string | null;
  /** A generated column's expression followed by ` stored` or ` virtual`, or null. */
  readonly generated: string | null;
  /** `always` / `by default` (identity), `auto_increment`, or null. */
  readonly identity: string | null;
  /** A collation set on the column itself (not inherited), or null. */
  readonly collation: string | null;
  /** MySQL/MariaDB `ON UPDATE …`, or null. */
  readonly onUpdate: string | null;
}

export type ConstraintType = "primary" | "unique" | "foreign" | "check" | "exclusion";

export interface ConstraintDefinition {
  /** Unique within its table. */
  readonly name: string;
  readonly type: ConstraintType;
  /** `PRIMARY KEY (id)`, `FOREIGN KEY (a) REFERENCES t(id)`, `CHECK ((a > 0))`, … */
  readonly definition: string;
}

export interface TableObject {
  readonly kind: "table";
  readonly name: string;
  /** In column order (the order is part of the schema). */
  readonly columns: readonly ColumnDefinition[];
  /** Sorted by name. */
  readonly constraints: readonly ConstraintDefinition[];
  /** What the table's own text says beyond the above (SQLite's CREATE TABLE, a partition key), or null. */
  readonly definition: string | null;
}

export interface ViewObject {
  readonly kind: "view" | "materialized view";
  readonly name: string;
  readonly definition: string;
}

export interface IndexObject {
  readonly kind: "index";
  /** Qualified as the dialect scopes index names: `schema.index` (PostgreSQL), `table.index` (MySQL), `index` (SQLite). */
  readonly name: string;
  readonly table: string;
  readonly unique: boolean;
  readonly method: string | null;
  /** Column names or expressions in index order (`name(10)` for a MySQL prefix). */
  readonly columns: readonly string[];
  /** A partial index's WHERE, or null. */
  readonly predicate: string | null;
  /** The full CREATE INDEX text where the server gives one, else null. */
  readonly definition: string | null;
}

export interface RoutineObject {
  readonly kind: "function" | "procedure";
  /** With argument types: `public.f(integer, text)`. */
  readonly name: string;
  /** The return type, or null for a procedure. */
  readonly returns: string | null;
  readonly language: string;
  /** The whole definition as the server prints it (`CREATE OR REPLACE FUNCTION …`, `SHOW CREATE`). */
  readonly definition: string;
}

export interface TriggerObject {
  readonly kind: "trigger";
  readonly name: string;
  readonly table: string;
  /** `BEFORE`, `AFTER`, `INSTEAD OF`. */
  readonly timing: string;
  /** `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, sorted. */
  readonly events: readonly string[];
  readonly definition: string;
}

export interface EventObject {
  readonly kind: "event";
  readonly name: string;
  readonly definition: string;
}

export type SchemaObject =
  | SchemaNamespace
  | ExtensionObject
  | TypeObject
  | SequenceObject
  | TableObject
  | ViewObject
  | IndexObject
  | RoutineObject
  | TriggerObject
  | EventObject;

/** One database's schema. Every list is sorted by qualified name (views by kind, then name). */
export interface SchemaSnapshot {
  readonly schemas: readonly SchemaNamespace[];
  readonly extensions: readonly ExtensionObject[];
  readonly types: readonly TypeObject[];
  readonly sequences: readonly SequenceObject[];
  readonly tables: readonly TableObject[];
  readonly views: readonly ViewObject[];
  readonly indexes: readonly IndexObject[];
  /** Functions and procedures. */
  readonly routines: readonly RoutineObject[];
  readonly triggers: readonly TriggerObject[];
  /** MySQL/MariaDB scheduled events. */
  readonly events: readonly EventObject[];
}

export type SchemaSnapshotParts = { -readonly [K in keyof SchemaSnapshot]?: readonly SchemaSnapshot[K][number][] };

/** Byte order, not locale order: the same on every machine. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const KIND_RANK = new Map<SchemaObjectKind, number>(SCHEMA_OBJECT_KINDS.map((kind, i) => [kind, i]));

export function compareObjects(a: { kind: SchemaObjectKind; name: string }, b: { kind: SchemaObjectKind; name: string }): number {
  // most comparisons are within one kind's list
  return a.kind === b.kind ? byText(a.name, b.name) : KIND_RANK.get(a.kind)! - KIND_RANK.get(b.kind)!;
}

/**
 * Each table as a snapshot holds it, by the table it was made from: a table given again (a
 * description that remembers what did not change) gives back the same object, which diffSchemas
 * then skips without comparing.
 */
const canonicalTables = new WeakMap<TableObject, TableObject>();

/** A table rebuilt key by key, so that every dialect's snapshot serialises the same way, its constraints sorted. */
function canonicalTable(table: TableObject): TableObject {
  let made = canonicalTables.get(table);
  if (made === undefined) {
    made = { kind: "table", name: table.name, columns: table.columns, constraints: [...table.constraints].sort((a, b) => byText(a.name, b.name)), definition: table.definition };
    canonicalTables.set(table, made);
    canonicalTables.set(made, made);
  }
  return made;
}

/** Builds a snapshot from unsorted parts: every list sorted, missing lists empty. */
export function schemaSnapshot(parts: SchemaSnapshotParts): SchemaSnapshot {
  const sorted = <T extends SchemaObject>(list: readonly T[] | undefined): T[] => [...(list ?? [])].sort(compareObjects);
  return {
    schemas: sorted(parts.schemas),
    extensions: sorted(parts.extensions),
    types: sorted(parts.types),
    sequences: sorted(parts.sequences),
    tables: sorted(parts.tables).map(canonicalTable),
    views: sorted(parts.views),
    indexes: sorted(parts.indexes),
    routines: sorted(parts.routines),
    triggers: sorted(parts.triggers),
    events: sorted(parts.events),
  };
}

export const emptySchemaSnapshot = (): SchemaSnapshot => schemaSnapshot({});

/** Every object of a snapshot in one list, sorted by kind, then qualified name. */
export function schemaObjects(snapshot: SchemaSnapshot): SchemaObject[] {
  return [
    ...snapshot.schemas,
    ...snapshot.extensions,
    ...snapshot.types,
    ...snapshot.sequences,
    ...snapshot.tables,
    ...snapshot.views,
    ...snapshot.indexes,
    ...snapshot.routines,
    ...snapshot.triggers,
    ...snapshot.events,
  ].sort(compareObjects);
}

/** The last part of a qualified name: `public.t` → `t`. */
export const bareName = (qualified: string): string => qualified.slice(qualified.lastIndexOf(".") + 1);

/**
 * The snapshot without the named tables (Stratum's history tables) and what belongs to them:
 * their indexes, triggers and owned sequences. Names match a table's bare name, case-insensitively.
 */
export function withoutTables(snapshot: SchemaSnapshot, names: readonly string[]): SchemaSnapshot {
  if (names.length === 0) return snapshot;
  const excluded = new Set(names.map((n) => n.toLowerCase()));
  const dropped = new Set(snapshot.tables.filter((t) => excluded.has(bareName(t.name).toLowerCase())).map((t) => t.name));
  if (dropped.size === 0) return snapshot;
  const ownerTable = (ownedBy: string | null) => (ownedBy === null ? null : ownedBy.slice(0, ownedBy.lastIndexOf(".")));
  return {
    ...snapshot,
    tables: snapshot.tables.filter((t) => !dropped.has(t.name)),
    indexes: snapshot.indexes.filter((i) => !dropped.has(i.table)),
    triggers: snapshot.triggers.filter((t) => !dropped.has(t.table)),
    sequences: snapshot.sequences.filter((s) => {
      const owner = ownerTable(s.ownedBy);
      return owner === null || !dropped.has(owner);
    }),
  };
}
