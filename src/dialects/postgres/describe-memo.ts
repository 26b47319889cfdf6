// What PostgreSQL's describeSchema remembers of its last descriptions (DescribeSchemaOptions.remember),
// so that describing the same database again reads in full only the objects that changed.
//
// One query lists every object in scope — relations, types, routines, triggers, schemas — with a
// change marker: the xmin of each catalog row that makes up its description (its pg_class row,
// its columns, defaults, constraints, index, rewrite rule, policies, inheritance, sequence; a
// type's enum labels, domain constraints, range, composite attributes). Any change to a
// definition writes one of those rows, so a new xmin. Markers are only compared for equality
// (xmin wraps around). What an object prints may also name other objects (a view names the
// columns it reads, an index its table): the query lists every name, and a renamed object, column
// or enum label anywhere in scope — or any change to extensions, collations or operators —
// makes the next description a full read.

import { createHash } from "node:crypto";
import type { Queryable } from "../dialect.js";
import { FOLLOW_SCHEMA, type Followed } from "./describe-follow.js";

/** One object in scope: `cat` is its catalog (r pg_class, t pg_type, p pg_proc, g pg_trigger, n pg_namespace, x the rest). */
export interface MarkerRow {
  readonly cat: string;
  readonly oid: string;
  readonly name: string;
  readonly labels: string;
  readonly marker: string;
}

/**
 * Whether pg_namespace row `n` is described (two parameters: the configured schema, twice): that
 * schema, else every schema that is neither the system's, an extension's, nor the change log's
 * (describe-follow.ts).
 */
export const IN_SCOPE = `case when ?::text is null
                 then n.nspname not in ('information_schema', '${FOLLOW_SCHEMA}') and n.nspname not like 'pg\\_%'
                      and not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_namespace'::regclass
                                        and dep.objid = n.oid and dep.deptype = 'e')
                 else n.nspname = ?::text end`;

const agg = (expr: string, order: string, from: string): string =>
  `coalesce((select string_agg(${expr}, ',' order by ${order}) ${from}), '')`;

/** The markers of every object in the namespaces `ns` (a query giving their oids) lists. */
const markersOf = (ns: string): string => `
with ns as (${ns})
select 'n' as cat, n.oid::text as oid, n.nspname::text as name, '' as labels, n.xmin::text as marker
  from pg_catalog.pg_namespace n join ns on ns.oid = n.oid
union all
select 'r', c.oid::text, c.relkind::text || ':' || c.relnamespace || '.' || c.relname, coalesce(att.names, ''),
       concat(c.xmin::text, '|', att.marks, '|', def.marks, '|', con.marks, '|', x.marks, '|', w.marks, '|', pol.marks, '|', inh.marks,
         '|', seq.marks,
         '|', case when c.relkind = 'S' then ${agg(
           "dp.refobjid || ':' || dp.refobjsubid || ':' || dp.deptype::text || ':' || dp.xmin::text",
           "dp.refobjid, dp.refobjsubid",
           "from pg_catalog.pg_depend dp where dp.classid = 'pg_catalog.pg_class'::regclass and dp.objid = c.oid and dp.deptype in ('a', 'i')",
         )} end)
  from pg_catalog.pg_class c join ns on ns.oid = c.relnamespace
  -- each catalog aggregated once, by owner; a list's order is the scan's (a new order only reads the object again);
  -- objects in scope are users', whose oids start at 16384 (FirstNormalObjectId): the system's rows are skipped
  left join (select a.attrelid as oid, string_agg(case when not a.attisdropped then a.attnum || '=' || a.attname end, ',') as names,
                    string_agg(a.attnum || ':' || a.xmin::text, ',') as marks
               from pg_catalog.pg_attribute a where a.attrelid >= 16384 and a.attnum > 0 group by a.attrelid) att on att.oid = c.oid
  left join (select d.adrelid as oid, string_agg(d.oid || ':' || d.xmin::text, ',') as marks
               from pg_catalog.pg_attrdef d where d.adrelid >= 16384 group by d.adrelid) def on def.oid = c.oid
  left join (select k.conrelid as oid, string_agg(k.oid || ':' || k.xmin::text, ',') as marks
               from pg_catalog.pg_constraint k where k.conrelid >= 16384 group by k.conrelid) con on con.oid = c.oid
  left join (select x.indexrelid as oid, x.xmin::text as marks from pg_catalog.pg_index x) x on x.oid = c.oid
  left join (select w.ev_class as oid, string_agg(w.oid || ':' || w.xmin::text, ',') as marks
               from pg_catalog.pg_rewrite w where w.ev_class >= 16384 group by w.ev_class) w on w.oid = c.oid
  left join (select p.polrelid as oid, string_agg(p.oid || ':' || p.xmin::text, ',') as marks
               from pg_catalog.pg_policy p group by p.polrelid) pol on pol.oid = c.oid
  left join (select i.inhrelid as oid, string_agg(i.inhseqno || ':' || i.inhparent || ':' || i.xmin::text, ',') as marks
               from pg_catalog.pg_inherits i group by i.inhrelid) inh on inh.oid = c.oid
  left join (select s.seqrelid as oid, s.xmin::text as marks from pg_catalog.pg_sequence s) seq on seq.oid = c.oid
union all
select 't', t.oid::text, t.typtype::text || ':' || t.typnamespace || '.' || t.typname,
       concat(${agg("'e' || e.oid || '=' || e.enumlabel", "e.oid", "from pg_catalog.pg_enum e where e.enumtypid = t.oid")},
         ',', ${agg("'a' || a.attnum || '=' || a.attname", "a.attnum", "from pg_catalog.pg_attribute a where t.typtype = 'c' and a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped")}),
       concat(t.xmin::text,
         '|', ${agg("e.oid || ':' || e.xmin::text", "e.oid", "from pg_catalog.pg_enum e where e.enumtypid = t.oid")},
         '|', ${agg("k.oid || ':' || k.xmin::text", "k.oid", "from pg_catalog.pg_constraint k where k.contypid = t.oid")},
         '|', (select r.xmin::text from pg_catalog.pg_range r where r.rngtypid = t.oid),
         '|', case when t.typtype = 'c' then (select c.xmin::text || ';' || ${agg(
           "a.attnum || ':' || a.xmin::text",
           "a.attnum",
           "from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0",
         )} from pg_catalog.pg_class c where c.oid = t.typrelid) end)
  from pg_catalog.pg_type t join ns on ns.oid = t.typnamespace
 -- a table's row type and an array type are renamed with their table or element type
 where (t.typrelid = 0 and t.typcategory <> 'A') or (t.typtype = 'c' and (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c')
union all
select 'p', p.oid::text, p.pronamespace || '.' || p.proname, '', p.xmin::text
  from pg_catalog.pg_proc p join ns on ns.oid = p.pronamespace
union all
select 'g', g.oid::text, g.tgname::text, '', g.xmin::text
  from pg_catalog.pg_trigger g join pg_catalog.pg_class c on c.oid = g.tgrelid join ns on ns.oid = c.relnamespace
union all
-- labels: the transaction's id once it has written (a row it writes again keeps its xmin)
select 'x', '0', current_database()::text, coalesce(pg_catalog.txid_current_if_assigned()::text, ''),
       concat(${agg("e.oid || ':' || e.xmin::text", "e.oid", "from pg_catalog.pg_extension e")},
         '|', (select count(*) || ':' || coalesce(sum(d.xmin::text::bigint), 0) from pg_catalog.pg_depend d where d.deptype = 'e'),
         '|', ${agg("co.oid || ':' || co.xmin::text", "co.oid", "from pg_catalog.pg_collation co where co.oid >= 16384")},
         '|', ${agg("o.oid || ':' || o.xmin::text", "o.oid", "from pg_catalog.pg_operator o where o.oid >= 16384")},
         '|', ${agg("o.oid || ':' || o.xmin::text", "o.oid", "from pg_catalog.pg_opclass o where o.oid >= 16384")},
         '|', ${agg("o.oid || ':' || o.xmin::text", "o.oid", "from pg_catalog.pg_opfamily o where o.oid >= 16384")})`;

const MARKERS = markersOf(`select n.oid from pg_catalog.pg_namespace n where ${IN_SCOPE}`);

/**
 * The catalog fingerprint's query: the markers of every object in every user schema, whatever the
 * description's scope (an object printed in scope may name one outside it), the names of the
 * roles policies name (a renamed role prints differently, its pg_authid row is not marked), and
 * the server's version (its printers may change with it).
 */
const CATALOG = `${markersOf(
  `select n.oid from pg_catalog.pg_namespace n
    where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname !~ '^pg_(toast_)?temp_'`,
)}
union all
select 'v', '0', pg_catalog.version(), '',
       ${agg("r.rolname::text", "r.rolname", "from (select distinct ro.rolname from pg_catalog.pg_policy p cross join unnest(p.polroles) o join pg_catalog.pg_roles ro on ro.oid = o) r")}`;

/**
 * What the catalog fingerprint hashes: every marker row, sorted; null inside a transaction that has
 * written (a row it writes again keeps its xmin, so a marker would not show that change).
 * Any committed change to a definition writes a new catalog row (a new xmin), a dropped object
 * takes its row away, so equal texts mean an unchanged description; the converse does not
 * hold (VACUUM FULL of a catalog, a GRANT), and then the caller describes in full.
 */
export async function catalogMarkers(conn: Queryable): Promise<string | null> {
  const rows = await conn.query<MarkerRow>(CATALOG, [], { reuse: true });
  if (rows.some((r) => r.cat === "x" && r.labels !== "")) return null;
  return rows
    .map((r) => `${r.cat}:${r.oid}:${r.name}:${r.cat === "x" ? "" : r.labels}:${r.marker}`)
    .sort()
    .join("\n");
}

/** The markers of every object in the schemas in scope (`configured`: the one schema, else every schema in scope), each schema's among them. */
export async function readMarkers(conn: Queryable, configured: string | null): Promise<Map<string, MarkerRow>> {
  const rows = await conn.query<MarkerRow>(MARKERS, [configured, configured], { reuse: true });
  return new Map(rows.map((r) => [`${r.cat}:${r.oid}`, r]));
}

const pairs = (labels: string): Map<string, string> => {
  const map = new Map<string, string>();
  for (const part of labels.split(",")) {
    const at = part.indexOf("=");
    if (at > 0) map.set(part.slice(0, at), part.slice(at + 1));
  }
  return map;
};

/**
 * Whether remembered descriptions can be reused from `before` to `now`: the same scope, the same
 * extensions, collations and operators, and no object, column or enum label renamed (or moved to
 * another schema) — what other objects print of them is then unchanged.
 */
export function reusable(before: Map<string, MarkerRow>, now: Map<string, MarkerRow>): boolean {
  const global = (m: Map<string, MarkerRow>) => [...m.values()].filter((r) => r.cat === "x" || r.cat === "n").map((r) => `${r.oid}:${r.name}:${r.marker}`).sort().join("\n");
  if (global(before) !== global(now)) return false;
  for (const [key, row] of now) {
    const old = before.get(key);
    if (old === undefined) continue;
    if (old.name !== row.name) return false;
    if (old.labels === row.labels) continue;
    const was = pairs(old.labels);
    for (const [k, v] of pairs(row.labels)) if (was.has(k) && was.get(k) !== v) return false;
  }
  return true;
}

/**
 * The parts of the last two descriptions, by category, object and marker: a part is reused only
 * while its object's marker is the same. `null` records that the object gives nothing in that
 * category (an index is no table; an extension's object is left out).
 */
export class PostgresDescriptionMemo {
  #parts = new Map<string, unknown>();
  #older = new Map<string, unknown>();
  #next = new Map<string, unknown>();
  #markers: Map<string, MarkerRow> | undefined;
  #snapshots: { readonly key: string; readonly snapshot: unknown }[] = [];
  /** Following the database's changes (describe-follow.ts): not tried yet, on (with the last description once made), or not possible. */
  following: "untried" | "on" | "off" = "untried";
  followed: Followed | undefined;

  markers(): Map<string, MarkerRow> | undefined {
    return this.#markers;
  }

  snapshot<S>(key: string): S | undefined {
    return this.#snapshots.find((s) => s.key === key)?.snapshot as S | undefined;
  }

  part<P>(key: string): P | null | undefined {
    const found = this.#parts.has(key) ? this.#parts.get(key) : this.#older.get(key);
    if (found !== undefined) this.#next.set(key, found);
    return found as P | null | undefined;
  }

  keep(key: string, part: unknown): void {
    this.#next.set(key, part);
  }

  /** Ends a description: its parts and markers become the remembered ones. */
  remember(key: string, snapshot: unknown, markers: Map<string, MarkerRow>): void {
    this.#snapshots = [{ key, snapshot }, ...this.#snapshots.slice(0, 1)];
    this.#older = this.#parts;
    this.#parts = this.#next;
    this.#next = new Map();
    this.#markers = markers;
  }

  /** Forgets every part: the next description reads everything again (something it prints was renamed). */
  clear(): void {
    this.#snapshots = [];
    this.#markers = undefined;
    this.#parts = new Map();
    this.#older = new Map();
    this.#next = new Map();
  }

  /** Forgets the parts of a description that failed half-way. */
  abandon(): void {
    this.#next = new Map();
  }
}

/** The catalog fingerprint (Dialect.catalogFingerprint): the hash of `catalogMarkers`, or null. */
export async function catalogFingerprint(conn: Queryable): Promise<string | null> {
  const markers = await catalogMarkers(conn);
  return markers === null ? null : createHash("sha256").update(markers).digest("hex");
}
