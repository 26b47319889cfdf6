// Following the changes of a database that is ours alone (verify's shadow, DescribeSchemaOptions
// .followChanges), so that describing it again reads only what changed since the last description
// instead of first reading the change markers of every object in scope (describe-memo.ts).
//
// An event trigger (ddl_command_end and sql_drop, enabled ALWAYS so that session_replication_role
// cannot silence it) appends every object a DDL command creates, alters or drops — in any session,
// inside a DO block or a function, outside a transaction (CREATE INDEX CONCURRENTLY) — to a log
// table in a schema of its own, which no description includes. A description takes the log (one
// statement: what it deletes, and whether both triggers are still there and enabled), maps each
// logged object to what prints it — a table with its indexes, triggers, owned sequences and
// partitions or children; a view, sequence, index, type or routine by itself — and reads only
// those. The server raises no event for changes of shared objects (roles, databases, tablespaces)
// or of event triggers: a role renamed changes the policies that name it, as with the change
// markers; REINDEX CONCURRENTLY (no event on PostgreSQL 15) gives an index a new oid with the same
// description, so a later drop of it is matched by name too. Anything the log cannot scope — a
// schema renamed or any extension, collation, operator or other catalog's object logged, an
// object, column or enum label renamed — makes the next description a full read. Where the event trigger cannot be created (not superuser), the
// change markers are used, as on any other database.

import type { SchemaSnapshot } from "../../core/schema/model.js";

/** The log's schema: left out of every description's scope (describe-memo.ts IN_SCOPE). */
export const FOLLOW_SCHEMA = "_stratum_verify";
const TRIGGERS = ["stratum_verify_ddl", "stratum_verify_drop"] as const;

/**
 * Creates the log, its function and the two event triggers in one transaction (nothing is left
 * when one fails). The log is analyzed while empty: a table never analyzed is planned as ten
 * pages of rows, and TAKE_LOG's plan then scans pg_class and pg_index whole for a log of a few
 * rows (1.35 → 1.0 ms a take on 300 tables).
 */
export const INSTALL = `begin;
create schema ${FOLLOW_SCHEMA};
create table ${FOLLOW_SCHEMA}.changes (
  classid oid, objid oid, objsubid integer, tag text, object_type text, address_names text[], dropped boolean not null
);
create function ${FOLLOW_SCHEMA}.log_change() returns event_trigger language plpgsql security definer set search_path = pg_catalog as $f$
begin
  if tg_event = 'sql_drop' then
    insert into ${FOLLOW_SCHEMA}.changes
      select d.classid, d.objid, d.objsubid, tg_tag, d.object_type, d.address_names, true from pg_catalog.pg_event_trigger_dropped_objects() d;
  else
    insert into ${FOLLOW_SCHEMA}.changes
      select c.classid, c.objid, c.objsubid, c.command_tag, c.object_type, null, false from pg_catalog.pg_event_trigger_ddl_commands() c;
  end if;
end
$f$;
create event trigger ${TRIGGERS[0]} on ddl_command_end execute function ${FOLLOW_SCHEMA}.log_change();
create event trigger ${TRIGGERS[1]} on sql_drop execute function ${FOLLOW_SCHEMA}.log_change();
alter event trigger ${TRIGGERS[0]} enable always;
alter event trigger ${TRIGGERS[1]} enable always;
analyze ${FOLLOW_SCHEMA}.changes;
commit`;

/** The members of the tables `$ROOTS` gives, recursively with their partitions and children: a CTE `members` (after `roots`). */
const MEMBERS = `roots(oid) as (
  $ROOTS
  union select i.inhrelid from pg_catalog.pg_inherits i join roots r on i.inhparent = r.oid
), members as (
  select 'tables' as kind, r.oid::text as root, r.oid::text as oid from roots r
  union all
  select 'tables', i.inhparent::text, i.inhrelid::text from pg_catalog.pg_inherits i join roots r on r.oid = i.inhparent
  union all
  select 'indexes', x.indrelid::text, x.indexrelid::text from pg_catalog.pg_index x join roots r on r.oid = x.indrelid
  union all
  select 'triggers', g.tgrelid::text, g.oid::text from pg_catalog.pg_trigger g join roots r on r.oid = g.tgrelid where not g.tgisinternal
  union all
  select 'sequences', d.refobjid::text, d.objid::text
    from roots r
    join pg_catalog.pg_depend d on d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid = r.oid
    join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
   where d.classid = 'pg_catalog.pg_class'::regclass and d.deptype in ('a', 'i')
)`;

/** What each row of TAKE_LOG is: a logged change, the triggers still enabled, what a change is printed by, or a table's member. */
export interface TakenRow {
  readonly part: "log" | "alive" | "resolved" | "member";
  /** log: the catalog (pg_class…; empty when the command names none); resolved: the relkind (T a type); member: the kind. */
  readonly cat: string;
  /** alive: how many of the two event triggers are there and enabled ALWAYS. */
  readonly oid: string;
  readonly sub: number;
  readonly tag: string | null;
  readonly type: string | null;
  readonly names: string[] | null;
  readonly dropped: boolean;
  /** member: the table it belongs to. */
  readonly root: string | null;
}

export type LogRow = TakenRow & { readonly part: "log" };

/**
 * Takes the log and, in the same statement, resolves it: each object a command touched (or a part
 * of a table dropped, by the names the log gives) as what prints it — a table for its index,
 * trigger, constraint, default, policy or rule; a domain for its constraint — and the members of
 * every table among them and of their partitions and children (membersOf).
 */
export const TAKE_LOG = `with recursive d as (
  delete from ${FOLLOW_SCHEMA}.changes returning classid, objid, objsubid, tag, object_type, address_names, dropped
), log as (
  select coalesce(d.classid::regclass::text, '') as cat, d.objid, d.objsubid as sub, d.tag, d.object_type as type, d.address_names as names, d.dropped from d
), touched(oid) as (
  select l.objid from log l where l.cat = 'pg_class' and (not l.dropped or l.sub > 0)
  union select g.tgrelid from log l join pg_catalog.pg_trigger g on g.oid = l.objid where l.cat = 'pg_trigger' and not l.dropped
  union select k.conrelid from log l join pg_catalog.pg_constraint k on k.oid = l.objid where l.cat = 'pg_constraint' and not l.dropped and k.conrelid <> 0
  union select a.adrelid from log l join pg_catalog.pg_attrdef a on a.oid = l.objid where l.cat = 'pg_attrdef' and not l.dropped
  union select p.polrelid from log l join pg_catalog.pg_policy p on p.oid = l.objid where l.cat = 'pg_policy' and not l.dropped
  union select w.ev_class from log l join pg_catalog.pg_rewrite w on w.oid = l.objid where l.cat = 'pg_rewrite' and not l.dropped
  -- a part dropped: its relation, by the names the log gives (schema, relation, part)
  union select c.oid from log l
          join pg_catalog.pg_namespace n on n.nspname = l.names[1]
          join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = l.names[2]
         where l.dropped and l.cat in ('pg_trigger', 'pg_constraint', 'pg_attrdef', 'pg_policy', 'pg_rewrite') and cardinality(l.names) >= 3
), resolved as (
  select coalesce(o.oid, c.oid) as oid, coalesce(o.relkind, c.relkind)::text as relkind
    from touched t
    join pg_catalog.pg_class c on c.oid = t.oid
    left join pg_catalog.pg_index x on x.indexrelid = c.oid
    left join pg_catalog.pg_class o on o.oid = x.indrelid and o.relkind in ('r', 'p')
  union all
  select k.contypid, 'T' from log l join pg_catalog.pg_constraint k on k.oid = l.objid where l.cat = 'pg_constraint' and not l.dropped and k.contypid <> 0
), ${MEMBERS.replace("$ROOTS", "select r.oid from resolved r where r.relkind in ('r', 'p')")}
select 'log' as part, l.cat, l.objid::text as oid, l.sub, l.tag, l.type, l.names, l.dropped, null::text as root from log l
union all
select 'alive', '', count(*)::text, 0, null, null, null, false, null
  from pg_catalog.pg_event_trigger e where e.evtname in ('${TRIGGERS[0]}', '${TRIGGERS[1]}') and e.evtenabled = 'A'
union all
select 'resolved', r.relkind, r.oid::text, 0, null, null, null, false, null from resolved r
union all
select 'member', m.kind, m.oid, 0, null, null, null, false, m.root from members m`;

type Kinds = Omit<SchemaSnapshot, "schemas" | "extensions" | "events">;
export type FollowedKind = keyof Kinds;
export const FOLLOWED_KINDS = ["types", "sequences", "tables", "views", "indexes", "routines", "triggers"] as const satisfies readonly FollowedKind[];

/** The objects of the last description, by kind and oid, with what belongs to each table. */
export interface Followed {
  /** The schemas in scope, by oid. */
  readonly schemas: Map<string, string>;
  readonly extensions: SchemaSnapshot["extensions"];
  readonly objects: { [K in FollowedKind]: Map<string, Kinds[K][number]> };
  /** A table's indexes, triggers and owned sequences (`kind:oid`) and its partitions or children (`tables:oid`). */
  readonly members: Map<string, Set<string>>;
  /** The description the objects make, and the exclusions it was made with. */
  readonly snapshot: SchemaSnapshot;
  readonly exclude: string;
}

/** What the log asks to read again besides the tables TAKE_LOG resolved: `full` when it cannot be scoped. */
export type Scope =
  | { readonly full: true; readonly why: string }
  | {
      readonly full: false;
      readonly types: Set<string>;
      readonly routines: Set<string>;
      /** Objects dropped: left out, whatever kind they were. */
      readonly dropped: Set<string>;
      readonly schemas: boolean;
    };

const IGNORED_TAGS = new Set(["GRANT", "REVOKE", "ALTER DEFAULT PRIVILEGES"]);
/** Catalogs of a table's parts: TAKE_LOG resolves them to their table. */
const TABLE_PARTS = new Set(["pg_class", "pg_trigger", "pg_attrdef", "pg_policy", "pg_rewrite"]);

/** What the logged changes `rows` ask to read again, besides what TAKE_LOG resolved. */
export function scopeOf(rows: readonly LogRow[]): Scope {
  const types = new Set<string>();
  const routines = new Set<string>();
  const dropped = new Set<string>();
  let schemas = false;
  for (const row of rows) {
    if (row.cat === "") {
      if (row.tag !== null && IGNORED_TAGS.has(row.tag)) continue; // privileges are not described
      return { full: true, why: `${row.tag ?? "a command"} names no object` };
    }
    // a column or attribute named (not dropped) is a rename, or a comment: what names it may print differently
    if (!row.dropped && row.sub > 0) return { full: true, why: `${row.type ?? "a column"} altered` };
    if (row.dropped && row.sub === 0) dropped.add(row.oid);
    if (row.cat === "pg_namespace") schemas = true;
    else if (row.cat === "pg_type") {
      if (!row.dropped) types.add(row.oid);
    } else if (row.cat === "pg_proc") {
      if (!row.dropped) routines.add(row.oid);
    } else if (row.cat === "pg_constraint") {
      // a domain's constraint dropped names no table
      if (row.dropped && row.type !== "table constraint") return { full: true, why: `${row.type ?? "a constraint"} dropped` };
    } else if (!TABLE_PARTS.has(row.cat)) return { full: true, why: `${row.type ?? row.cat} changed` };
  }
  return { full: false, types, routines, dropped, schemas };
}

/**
 * The tables `roots` (a query giving oids) and, recursively, their partitions and children, with
 * what belongs to each: `kind` tables (the table itself, or a child with `root` its parent), indexes,
 * triggers, sequences (owned).
 */
export const membersOf = (roots: string): string => `with recursive ${MEMBERS.replace("$ROOTS", roots)}
select m.kind, m.root, m.oid from members m`;

export interface MemberRow {
  readonly kind: "tables" | "indexes" | "triggers" | "sequences";
  readonly root: string;
  readonly oid: string;
}

/** Each table's members, from `membersOf`'s rows. */
export function membersFrom(rows: readonly MemberRow[]): Map<string, Set<string>> {
  const members = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = members.get(row.root) ?? new Set<string>();
    if (!(row.kind === "tables" && row.root === row.oid)) set.add(`${row.kind}:${row.oid}`);
    members.set(row.root, set);
  }
  return members;
}

/** Whether an object read again under the same oid has a new name (or an enum lost a label): what names it may print differently. */
export function renamed(kind: FollowedKind, before: Kinds[FollowedKind][number] | undefined, now: Kinds[FollowedKind][number]): boolean {
  if (before === undefined) return false;
  if (before.name !== now.name) return true;
  if (kind === "types" && before.kind === "type" && now.kind === "type") {
    const labels = new Set(now.values);
    return before.values.some((v) => !labels.has(v));
  }
  return false;
}
