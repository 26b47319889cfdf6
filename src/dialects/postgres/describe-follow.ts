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
// markers. Anything the log cannot scope — a schema renamed or any extension, collation,
// operator or other catalog's object logged, an object, column or enum label renamed — makes the
// next description a full read. Where the event trigger cannot be created (not superuser), the
// change markers are used, as on any other database.

import type { SchemaSnapshot } from "../../core/schema/model.js";

/** The log's schema: left out of every description's scope (describe-memo.ts IN_SCOPE). */
export const FOLLOW_SCHEMA = "_stratum_verify";
const TRIGGERS = ["stratum_verify_ddl", "stratum_verify_drop"] as const;

/** Creates the log, its function and the two event triggers in one transaction (nothing is left when one fails). */
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
commit`;

/** Takes the log; its last row (cat `alive`) counts the event triggers still there and enabled ALWAYS. */
export const TAKE_LOG = `with d as (delete from ${FOLLOW_SCHEMA}.changes
                returning classid, objid, objsubid, tag, address_names, object_type, dropped)
select coalesce(d.classid::regclass::text, '') as cat, d.objid::text as oid, d.objsubid as sub, d.tag, d.object_type as type,
       d.address_names as names, d.dropped
  from d
union all
select 'alive', count(*)::text, 0, null, null, null, false
  from pg_catalog.pg_event_trigger e where e.evtname in ('${TRIGGERS[0]}', '${TRIGGERS[1]}') and e.evtenabled = 'A'`;

export interface LogRow {
  readonly cat: string;
  readonly oid: string;
  readonly sub: number;
  readonly tag: string | null;
  readonly type: string | null;
  readonly names: string[] | null;
  readonly dropped: boolean;
}

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

/** What the log asks to read again: `full` when it cannot be scoped. */
export type Scope =
  | { readonly full: true; readonly why: string }
  | {
      readonly full: false;
      /** Relations (pg_class), triggers, constraints, defaults, policies and rules to resolve to what prints them. */
      readonly touched: { readonly rel: Set<string>; readonly trigger: Set<string>; readonly constraint: Set<string>; readonly attrdef: Set<string>; readonly policy: Set<string>; readonly rule: Set<string> };
      readonly types: Set<string>;
      readonly routines: Set<string>;
      /** Tables (by oid) to read again with what belongs to them. */
      readonly tables: Set<string>;
      /** Objects dropped: left out, whatever kind they were. */
      readonly dropped: Set<string>;
      readonly schemas: boolean;
    };

const IGNORED_TAGS = new Set(["GRANT", "REVOKE", "ALTER DEFAULT PRIVILEGES"]);

/** What `rows` (the log, without its `alive` row) ask to read again, given the last description. */
export function scopeOf(rows: readonly LogRow[], last: Followed): Scope {
  const touched = { rel: new Set<string>(), trigger: new Set<string>(), constraint: new Set<string>(), attrdef: new Set<string>(), policy: new Set<string>(), rule: new Set<string>() };
  const types = new Set<string>();
  const routines = new Set<string>();
  const tables = new Set<string>();
  const dropped = new Set<string>();
  let schemas = false;
  // a table by its qualified name, as a dropped part's address names it (schema, table, part)
  let byName: Map<string, string> | undefined;
  const owner = (names: string[] | null): void => {
    if (names === null || names.length < 2) return;
    byName ??= new Map([...last.objects.tables, ...last.objects.views].map(([oid, o]) => [o.name, oid]));
    const oid = byName.get(`${names[0]}.${names[1]}`);
    if (oid === undefined) return;
    if (last.objects.tables.has(oid)) tables.add(oid);
    else touched.rel.add(oid);
  };
  for (const row of rows) {
    if (row.cat === "") {
      if (row.tag !== null && IGNORED_TAGS.has(row.tag)) continue; // privileges are not described
      return { full: true, why: `${row.tag ?? "a command"} names no object` };
    }
    // a column or attribute named (not dropped) is a rename, or a comment: what names it may print differently
    if (!row.dropped && row.sub > 0) return { full: true, why: `${row.type ?? "a column"} altered` };
    switch (row.cat) {
      case "pg_namespace":
        schemas = true;
        break;
      case "pg_class":
        if (row.dropped && row.sub === 0) {
          dropped.add(row.oid);
          // what it belonged to is read again
          for (const [table, members] of last.members) {
            if (members.has(`indexes:${row.oid}`) || members.has(`triggers:${row.oid}`) || members.has(`sequences:${row.oid}`) || members.has(`tables:${row.oid}`)) tables.add(table);
          }
        } else touched.rel.add(row.oid);
        break;
      case "pg_type":
        if (row.dropped) dropped.add(row.oid);
        else types.add(row.oid);
        break;
      case "pg_proc":
        if (row.dropped) dropped.add(row.oid);
        else routines.add(row.oid);
        break;
      case "pg_trigger":
        if (row.dropped) {
          dropped.add(row.oid);
          owner(row.names);
        } else touched.trigger.add(row.oid);
        break;
      case "pg_constraint":
        if (!row.dropped) touched.constraint.add(row.oid);
        else if (row.type === "table constraint") owner(row.names);
        else return { full: true, why: `${row.type ?? "a constraint"} dropped` };
        break;
      case "pg_attrdef":
        if (row.dropped) owner(row.names);
        else touched.attrdef.add(row.oid);
        break;
      case "pg_policy":
        if (row.dropped) owner(row.names);
        else touched.policy.add(row.oid);
        break;
      case "pg_rewrite":
        if (row.dropped) owner(row.names);
        else touched.rule.add(row.oid);
        break;
      default:
        return { full: true, why: `${row.type ?? row.cat} changed` };
    }
  }
  return { full: false, touched, types, routines, tables, dropped, schemas };
}

/**
 * The relations `touched` names, as what prints them: `oid` and `relkind` of the relation itself,
 * or, for an index of a table or a part of a table (trigger, constraint, default, policy, rule),
 * of that table. A domain's constraint gives its type (`relkind` t).
 */
export const RESOLVE = `select coalesce(o.oid, c.oid)::text as oid, coalesce(o.relkind, c.relkind)::text as relkind
  from pg_catalog.pg_class c
  left join pg_catalog.pg_index x on x.indexrelid = c.oid
  left join pg_catalog.pg_class o on o.oid = x.indrelid and o.relkind in ('r', 'p')
 where c.oid = any(?::oid[])
    or c.oid in (select g.tgrelid from pg_catalog.pg_trigger g where g.oid = any(?::oid[])
                 union all select k.conrelid from pg_catalog.pg_constraint k where k.oid = any(?::oid[])
                 union all select d.adrelid from pg_catalog.pg_attrdef d where d.oid = any(?::oid[])
                 union all select p.polrelid from pg_catalog.pg_policy p where p.oid = any(?::oid[])
                 union all select w.ev_class from pg_catalog.pg_rewrite w where w.oid = any(?::oid[]))
union all
select k.contypid::text, 't' from pg_catalog.pg_constraint k where k.oid = any(?::oid[]) and k.contypid <> 0`;

/**
 * The tables `roots` (a query giving oids) and, recursively, their partitions and children, with
 * what belongs to each: `kind` tables (the table itself, or a child with `root` its parent), indexes,
 * triggers, sequences (owned).
 */
export const membersOf = (roots: string): string => `with recursive roots(oid) as (
  ${roots}
  union select i.inhrelid from pg_catalog.pg_inherits i join roots r on i.inhparent = r.oid
)
select 'tables' as kind, r.oid::text as root, r.oid::text as oid from roots r
union all
select 'tables', i.inhparent::text, i.inhrelid::text from pg_catalog.pg_inherits i join roots r on r.oid = i.inhparent
union all
select 'indexes', x.indrelid::text, x.indexrelid::text from pg_catalog.pg_index x join roots r on r.oid = x.indrelid
union all
select 'triggers', g.tgrelid::text, g.oid::text from pg_catalog.pg_trigger g join roots r on r.oid = g.tgrelid where not g.tgisinternal
union all
select 'sequences', d.refobjid::text, d.objid::text
  from pg_catalog.pg_depend d join roots r on r.oid = d.refobjid
 where d.classid = 'pg_catalog.pg_class'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass and d.deptype in ('a', 'i')
   and exists (select 1 from pg_catalog.pg_class s where s.oid = d.objid and s.relkind = 'S')`;

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
