// PostgreSQL's schema as one canonical SQL file (`stratum schema dump`), composed from the
// server's own printers (pg_get_*def, format_type, pg_get_expr) read with an empty search_path,
// so every name is qualified; not pg_dump, whose version must match the server's. The same
// schema gives the same bytes whatever the creation order or the OIDs: objects are sorted by
// name within an order that reloads, dependencies first where one kind depends on itself
// (extensions, types, tables and their partitions or children, views, routines). No owners,
// privileges, timestamps or OIDs.
//
// The order: SET check_function_bodies = false; schemas; extensions; collations; types (enums,
// domains, composites, ranges) and functions and procedures, in one dependency order (a domain
// may call a function, a signature may use a type); sequences; tables (partitions and inheriting
// tables after their parent); sequence OWNED BY; routines whose signature uses a table's row
// type; primary/unique/check/exclusion constraints; indexes; foreign keys (one may reference a
// unique index's columns); views, materialized views, BEGIN ATOMIC routines and routines using a
// view's row type in dependency order; indexes on materialized views; extended statistics;
// triggers; row-level security and policies; COMMENT ON; RESET check_function_bodies. Whatever
// a partition or child table takes from its parent (constraints, index and trigger copies) is
// made by the parent's statement. Not kept: per-column SET STATISTICS / SET STORAGE, CLUSTER ON,
// REPLICA IDENTITY, event triggers, publications, foreign servers and tables.

import { bareName, byText } from "../../core/schema/model.js";
import type { Queryable } from "../dialect.js";
import { notFromExtension, policyClause, schemasInScope, withQualifiedNames, type PostgresDescribeOptions } from "./describe-schema.js";
import { dependencyOrder } from "./dump-order.js";

/** A statement of the file with the name it sorts by (`schema.name`, unquoted). */
interface Entry {
  readonly key: string;
  readonly sql: string;
}

/** A qualified collation, or an empty string for none. */
const collationOf = (oid: string): string =>
  `coalesce((select ' COLLATE ' || pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
               from pg_catalog.pg_collation co join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace
              where co.oid = ${oid}), '')`;

const byKey = (a: Entry, b: Entry): number => byText(a.key, b.key);
const sortedSql = (entries: readonly Entry[]): string[] => [...entries].sort(byKey).map((e) => e.sql);

/** The schema file: its statements in order, a blank line between them, sections apart. */
export async function dumpSchema(conn: Queryable, options: PostgresDescribeOptions = {}): Promise<string> {
  const sections = await dumpSchemaSections(conn, options);
  return sections
    .filter((section) => section.length > 0)
    .map((section) => section.join("\n\n") + "\n")
    .join("\n");
}

/** The statements of the schema file, each ending with `;`, in groups that reload in order. */
export async function dumpSchemaSections(conn: Queryable, options: PostgresDescribeOptions = {}): Promise<string[][]> {
  return withQualifiedNames(conn, async () => {
    const schemas = await schemasInScope(conn, options);
    const excluded = new Set((options.exclude ?? []).map((n) => n.toLowerCase()));
    const kept = (table: string): boolean => !excluded.has(bareName(table).toLowerCase());
    const routines = await readRoutines(conn, schemas);
    const tables = await readTables(conn, schemas, kept);
    const indexes = (await readIndexes(conn, schemas)).filter((i) => kept(i.table));
    return [
      routines.length > 0 ? ["SET check_function_bodies = false;"] : [],
      await createSchemas(conn, schemas),
      await readExtensions(conn, schemas),
      await readCollations(conn, schemas),
      // a domain's check or default may call a routine, and a routine's signature may use a type
      dependencyOrder([...(await readTypes(conn, schemas)), ...routines.filter((r) => r.stage === "early").map((r) => ({ ...r, rank: "5" }))]).map(
        (r) => r.sql,
      ),
      await readSequences(conn, schemas, kept),
      tables.create,
      tables.ownedBy,
      routinesOf(routines, "rowtype"),
      tables.constraints,
      sortedSql(indexes.filter((i) => !i.onView)),
      // after the indexes: a foreign key may reference the columns of a unique index
      tables.foreignKeys,
      // SQL-standard bodies (BEGIN ATOMIC) are parsed when created: among the views, after what they use
      dependencyOrder([...(await readViews(conn, schemas)), ...routines.filter((r) => r.stage === "late").map((r) => ({ ...r, rank: "3" }))]).map(
        (r) => r.sql,
      ),
      sortedSql(indexes.filter((i) => i.onView)),
      sortedSql((await readStatistics(conn, schemas)).filter((t) => kept(t.table))),
      sortedSql((await readTriggers(conn, schemas)).filter((t) => kept(t.table))),
      sortedSql((await readRowSecurity(conn, schemas)).filter((t) => kept(t.table))),
      sortedSql((await readComments(conn, schemas)).filter((c) => c.table === null || kept(c.table))),
      // the loading session (perhaps a caller's pooled connection) gets its setting back
      routines.length > 0 ? ["RESET check_function_bodies;"] : [],
    ];
  });
}

/** CREATE SCHEMA for each but `public`, which every new database has; IF NOT EXISTS, as a configured schema exists before connecting. */
async function createSchemas(conn: Queryable, schemas: readonly string[]): Promise<string[]> {
  const rows = await conn.query<Entry>(
    "select nspname as key, 'CREATE SCHEMA IF NOT EXISTS ' || pg_catalog.quote_ident(nspname) || ';' as sql from pg_catalog.pg_namespace where nspname = any(?::text[]) and nspname <> 'public'",
    [schemas],
  );
  return sortedSql(rows);
}

const routinesOf = (routines: readonly (Entry & { stage: RoutineStage; needs: string[] })[], stage: RoutineStage): string[] =>
  dependencyOrder(routines.filter((r) => r.stage === stage)).map((r) => r.sql);

const statement = (text: string): string => `${text.trim().replace(/;+\s*$/, "")};`;

async function readExtensions(conn: Queryable, schemas: readonly string[]): Promise<string[]> {
  const rows = await conn.query<{ key: string; sql: string; needs: string[] }>(
    `select e.extname as key,
            'CREATE EXTENSION ' || pg_catalog.quote_ident(e.extname) || ' WITH SCHEMA ' || pg_catalog.quote_ident(n.nspname)
              || ' VERSION ' || pg_catalog.quote_literal(e.extversion) as sql,
            array(select r.extname::text from pg_catalog.pg_depend d join pg_catalog.pg_extension r on r.oid = d.refobjid
                   where d.classid = 'pg_catalog.pg_extension'::regclass and d.objid = e.oid
                     and d.refclassid = 'pg_catalog.pg_extension'::regclass) as needs
       from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
      where n.nspname = any(?::text[])`,
    [schemas],
  );
  return dependencyOrder(rows).map((r) => statement(r.sql));
}

/** User-defined collations (the locale column's name varies by server version: read from the row as JSON). */
async function readCollations(conn: Queryable, schemas: readonly string[]): Promise<string[]> {
  const rows = await conn.query<Entry>(
    `select n.nspname || '.' || co.collname as key,
            'CREATE COLLATION ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname) || ' ('
              || case when co.collprovider = 'i'
                      then 'provider = icu, locale = ' || pg_catalog.quote_literal(coalesce(j.row->>'colliculocale', j.row->>'colllocale', co.collcollate))
                      else 'provider = libc, lc_collate = ' || pg_catalog.quote_literal(co.collcollate) || ', lc_ctype = ' || pg_catalog.quote_literal(co.collctype) end
              || case when co.collisdeterministic then '' else ', deterministic = false' end || ');' as sql
       from pg_catalog.pg_collation co
       join pg_catalog.pg_namespace n on n.oid = co.collnamespace
       cross join lateral (select pg_catalog.to_jsonb(co) as row) j
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_collation", "co.oid")}`,
    [schemas],
  );
  return sortedSql(rows);
}

/** Enums, domains, composites and ranges, with what each needs: the types it is made of, the routines a domain's check or default calls. */
async function readTypes(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { rank: string; needs: string[] })[]> {
  const rows = await conn.query<{ key: string; rank: string; sql: string; needs: string[] }>(
    `select n.nspname || '.' || t.typname as key,
            case t.typtype when 'e' then '1' when 'd' then '2' when 'c' then '3' else '4' end as rank,
            case t.typtype
              when 'e' then 'CREATE TYPE ' || t.oid::regtype::text || ' AS ENUM ('
                || coalesce((select string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' order by e.enumsortorder)
                               from pg_catalog.pg_enum e where e.enumtypid = t.oid), '') || ')'
              when 'd' then 'CREATE DOMAIN ' || t.oid::regtype::text || ' AS ' || pg_catalog.format_type(t.typbasetype, t.typtypmod)
                || case when t.typcollation <> (select b.typcollation from pg_catalog.pg_type b where b.oid = t.typbasetype)
                        then ${collationOf("t.typcollation")} else '' end
                || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0), '')
                || case when t.typnotnull then ' NOT NULL' else '' end
                || coalesce((select string_agg(' CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' ' || pg_catalog.pg_get_constraintdef(k.oid), '' order by k.conname)
                               from pg_catalog.pg_constraint k where k.contypid = t.oid), '')
              when 'c' then 'CREATE TYPE ' || t.oid::regtype::text || ' AS ('
                || coalesce((select string_agg(pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                                                 || case when a.attcollation <> at.typcollation then ${collationOf("a.attcollation")} else '' end,
                                               ', ' order by a.attnum)
                               from pg_catalog.pg_attribute a join pg_catalog.pg_type at on at.oid = a.atttypid
                              where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped), '') || ')'
              else (select 'CREATE TYPE ' || t.oid::regtype::text || ' AS RANGE (subtype = ' || pg_catalog.format_type(r.rngsubtype, null)
                             || coalesce(', subtype_opclass = ' || (select pg_catalog.quote_ident(ocn.nspname) || '.' || pg_catalog.quote_ident(oc.opcname)
                                                                      from pg_catalog.pg_opclass oc join pg_catalog.pg_namespace ocn on ocn.oid = oc.opcnamespace
                                                                     where oc.oid = r.rngsubopc and not oc.opcdefault), '')
                             || case when r.rngcollation <> 0 and r.rngcollation <> (select s.typcollation from pg_catalog.pg_type s where s.oid = r.rngsubtype)
                                     then ', collation = ' || substr(${collationOf("r.rngcollation")}, 10) else '' end
                             || case when r.rngcanonical <> 0 then ', canonical = ' || r.rngcanonical::regproc::text else '' end
                             || case when r.rngsubdiff <> 0 then ', subtype_diff = ' || r.rngsubdiff::regproc::text else '' end
                             || ', multirange_type_name = ' || r.rngmultitypid::regtype::text || ')'
                      from pg_catalog.pg_range r where r.rngtypid = t.oid)
            end as sql,
            array(select dn.nspname || '.' || dt.typname
                    from pg_catalog.pg_type x
                    join pg_catalog.pg_type dt on dt.oid = case when x.typcategory = 'A' and x.typelem <> 0 then x.typelem else x.oid end
                    join pg_catalog.pg_namespace dn on dn.oid = dt.typnamespace
                   where x.oid = t.typbasetype
                      or x.oid = (select r.rngsubtype from pg_catalog.pg_range r where r.rngtypid = t.oid)
                      or x.oid in (select a.atttypid from pg_catalog.pg_attribute a
                                    where t.typrelid <> 0 and a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped)
                  union
                  select rn.nspname || '.' || r.proname || '(' || pg_catalog.oidvectortypes(r.proargtypes) || ')'
                    from pg_catalog.pg_depend d
                    join pg_catalog.pg_proc r on r.oid = d.refobjid
                    join pg_catalog.pg_namespace rn on rn.oid = r.pronamespace
                   where d.refclassid = 'pg_catalog.pg_proc'::regclass
                     and ((d.classid = 'pg_catalog.pg_type'::regclass and d.objid = t.oid)
                          or (d.classid = 'pg_catalog.pg_constraint'::regclass
                              and d.objid in (select k.oid from pg_catalog.pg_constraint k where k.contypid = t.oid)))) as needs
       from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_type", "t.oid")}
        and (t.typtype in ('e', 'd', 'r')
             or (t.typtype = 'c' and (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c'))`,
    [schemas],
  );
  return rows.map((r) => ({ ...r, sql: statement(r.sql) }));
}

/**
 * When a routine can be created: `early` before the tables (bodies are not checked), among the
 * types (a domain may call it, its signature may use one), `rowtype` after the tables when its
 * signature uses a table's row type, `late` among the views for a SQL-standard body (BEGIN
 * ATOMIC), which is parsed when created, or a signature using a view's row type.
 */
type RoutineStage = "early" | "rowtype" | "late";

async function readRoutines(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { stage: RoutineStage; needs: string[] })[]> {
  const rows = await conn.query<{ key: string; sql: string; atomic: boolean; rowtype: boolean; viewtype: boolean; needs: string[] }>(
    `select n.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')' as key,
            pg_catalog.pg_get_functiondef(p.oid) as sql, p.prosqlbody is not null as atomic,
            exists (select 1 from pg_catalog.pg_type ty
                      join pg_catalog.pg_type base on base.oid = case when ty.typcategory = 'A' and ty.typelem <> 0 then ty.typelem else ty.oid end
                      join pg_catalog.pg_class rel on rel.oid = base.typrelid and rel.relkind <> 'c'
                     where ty.oid = any(p.proargtypes::oid[] || coalesce(p.proallargtypes, '{}'::oid[]) || p.prorettype)) as rowtype,
            array(select rn.nspname || '.' || r.proname || '(' || pg_catalog.oidvectortypes(r.proargtypes) || ')'
                    from pg_catalog.pg_depend d
                    join pg_catalog.pg_proc r on r.oid = d.refobjid
                    join pg_catalog.pg_namespace rn on rn.oid = r.pronamespace
                   where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                     and d.refclassid = 'pg_catalog.pg_proc'::regclass and d.refobjid <> p.oid
                  union
                  select vn.nspname || '.' || v.relname from pg_catalog.pg_depend d
                    join pg_catalog.pg_class v on v.oid = d.refobjid and v.relkind in ('v', 'm')
                    join pg_catalog.pg_namespace vn on vn.oid = v.relnamespace
                   where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                     and d.refclassid = 'pg_catalog.pg_class'::regclass
                  union
                  select tn.nspname || '.' || coalesce(rel.relname, base.typname)
                    from pg_catalog.pg_type ty
                    join pg_catalog.pg_type base on base.oid = case when ty.typcategory = 'A' and ty.typelem <> 0 then ty.typelem else ty.oid end
                    join pg_catalog.pg_namespace tn on tn.oid = base.typnamespace
                    left join pg_catalog.pg_class rel on rel.oid = base.typrelid and rel.relkind in ('v', 'm')
                   where ty.oid = any(p.proargtypes::oid[] || coalesce(p.proallargtypes, '{}'::oid[]) || p.prorettype)
                     and tn.nspname not in ('pg_catalog', 'information_schema')) as needs,
            exists (select 1 from pg_catalog.pg_type ty
                      join pg_catalog.pg_type base on base.oid = case when ty.typcategory = 'A' and ty.typelem <> 0 then ty.typelem else ty.oid end
                      join pg_catalog.pg_class rel on rel.oid = base.typrelid and rel.relkind in ('v', 'm')
                     where ty.oid = any(p.proargtypes::oid[] || coalesce(p.proallargtypes, '{}'::oid[]) || p.prorettype)) as viewtype
       from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = any(?::text[]) and p.prokind in ('f', 'p') and ${notFromExtension("pg_proc", "p.oid")}
        and not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_proc'::regclass
                          and dep.objid = p.oid and dep.deptype = 'i')`,
    [schemas],
  );
  return rows.map((r) => ({
    key: r.key,
    sql: statement(r.sql),
    stage: r.atomic || r.viewtype ? "late" : r.rowtype ? "rowtype" : "early",
    needs: r.needs,
  }));
}

/** Sequences other than identity columns' (those come with their column); a serial's is owned after the tables. */
async function readSequences(conn: Queryable, schemas: readonly string[], kept: (table: string) => boolean): Promise<string[]> {
  const rows = await conn.query<{ key: string; sql: string; owner: string | null }>(
    `select n.nspname || '.' || c.relname as key,
            'CREATE SEQUENCE ' || c.oid::regclass::text || ' AS ' || pg_catalog.format_type(s.seqtypid, null)
              || ' START WITH ' || s.seqstart || ' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' || s.seqmin
              || ' MAXVALUE ' || s.seqmax || ' CACHE ' || s.seqcache || case when s.seqcycle then ' CYCLE' else ' NO CYCLE' end as sql,
            (select tn.nspname || '.' || t.relname from pg_catalog.pg_depend d
               join pg_catalog.pg_class t on t.oid = d.refobjid join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
              where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_catalog.pg_class'::regclass
                and d.refobjsubid > 0 and d.deptype = 'a' limit 1) as owner
       from pg_catalog.pg_sequence s
       join pg_catalog.pg_class c on c.oid = s.seqrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_class", "c.oid")}
        and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_class'::regclass
                          and d.objid = c.oid and d.deptype = 'i')`,
    [schemas],
  );
  return sortedSql(rows.filter((r) => r.owner === null || kept(r.owner)).map((r) => ({ key: r.key, sql: `${r.sql};` })));
}

interface TableSql {
  readonly create: string[];
  readonly ownedBy: string[];
  readonly constraints: string[];
  readonly foreignKeys: string[];
}

async function readTables(conn: Queryable, schemas: readonly string[], kept: (table: string) => boolean): Promise<TableSql> {
  const tables = (await readTableDefinitions(conn, schemas)).filter((t) => kept(t.key));
  const owned = await conn.query<{ key: string; owner: string; sql: string }>(
    `select n.nspname || '.' || c.relname as key, tn.nspname || '.' || t.relname as owner,
            'ALTER SEQUENCE ' || c.oid::regclass::text || ' OWNED BY ' || t.oid::regclass::text || '.' || pg_catalog.quote_ident(a.attname) || ';' as sql
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'a'
            and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjsubid > 0
       join pg_catalog.pg_class t on t.oid = d.refobjid
       join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
       join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
      where c.relkind = 'S' and n.nspname = any(?::text[]) and ${notFromExtension("pg_class", "c.oid")}`,
    [schemas],
  );
  // Constraints a partition takes from its parent are made again when the parent's are added.
  const constraints = await conn.query<{ key: string; table: string; foreign: boolean; sql: string }>(
    `select n.nspname || '.' || t.relname || '.' || k.conname as key, n.nspname || '.' || t.relname as "table", k.contype = 'f' as "foreign",
            'ALTER TABLE ' || t.oid::regclass::text || ' ADD CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' '
              || pg_catalog.pg_get_constraintdef(k.oid) || ';' as sql
       from pg_catalog.pg_constraint k
       join pg_catalog.pg_class t on t.oid = k.conrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      where n.nspname = any(?::text[]) and t.relkind in ('r', 'p') and k.contype in ('p', 'u', 'f', 'c', 'x')
        and k.conparentid = 0 and k.conislocal and ${notFromExtension("pg_class", "t.oid")}`,
    [schemas],
  );
  const keptConstraints = constraints.filter((k) => kept(k.table));
  return {
    create: dependencyOrder(tables).map((t) => t.sql),
    ownedBy: sortedSql(owned.filter((o) => kept(o.owner))),
    constraints: sortedSql(keptConstraints.filter((k) => !k.foreign)),
    foreignKeys: sortedSql(keptConstraints.filter((k) => k.foreign)),
  };
}

/** CREATE TABLE for each table, a partition (`PARTITION OF`, its columns its parent's) needing its parent. */
async function readTableDefinitions(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { needs: string[] })[]> {
  return conn.query<Entry & { needs: string[] }>(
    `select n.nspname || '.' || c.relname as key,
            array(select pn.nspname || '.' || p.relname from pg_catalog.pg_inherits i
                    join pg_catalog.pg_class p on p.oid = i.inhparent join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace
                   where i.inhrelid = c.oid
                  union
                  select rn.nspname || '.' || rel.relname from pg_catalog.pg_attribute a
                    join pg_catalog.pg_type ty on ty.oid = a.atttypid
                    join pg_catalog.pg_type base on base.oid = case when ty.typcategory = 'A' and ty.typelem <> 0 then ty.typelem else ty.oid end
                    join pg_catalog.pg_class rel on rel.oid = base.typrelid and rel.relkind in ('r', 'p')
                    join pg_catalog.pg_namespace rn on rn.oid = rel.relnamespace
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as needs,
            'CREATE ' || case when c.relpersistence = 'u' then 'UNLOGGED ' else '' end || 'TABLE ' || c.oid::regclass::text
              || case when c.relispartition
                      then (select ' PARTITION OF ' || i.inhparent::regclass::text from pg_catalog.pg_inherits i where i.inhrelid = c.oid)
                           || ' ' || pg_catalog.pg_get_expr(c.relpartbound, c.oid)
                      else ' (' || coalesce((
                             select string_agg(E'\\n    ' || pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                                     || case when a.attcollation <> ty.typcollation then ${collationOf("a.attcollation")} else '' end
                                     || case when a.attgenerated = 's' then ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                                             else coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') end
                                     || case a.attidentity when 'a' then ' GENERATED ALWAYS AS IDENTITY' when 'd' then ' GENERATED BY DEFAULT AS IDENTITY' else '' end
                                     || coalesce((select ' (SEQUENCE NAME ' || sc.oid::regclass::text || ' START WITH ' || s.seqstart
                                                         || ' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax
                                                         || ' CACHE ' || s.seqcache || case when s.seqcycle then ' CYCLE' else ' NO CYCLE' end || ')'
                                                    from pg_catalog.pg_depend sd
                                                    join pg_catalog.pg_class sc on sc.oid = sd.objid
                                                    join pg_catalog.pg_sequence s on s.seqrelid = sc.oid
                                                   where a.attidentity <> '' and sd.classid = 'pg_catalog.pg_class'::regclass
                                                     and sd.refclassid = 'pg_catalog.pg_class'::regclass and sd.refobjid = c.oid and sd.refobjsubid = a.attnum and sd.deptype = 'i'), '')
                                     || case when a.attnotnull then ' NOT NULL' else '' end,
                                     ',' order by a.attnum)
                               from pg_catalog.pg_attribute a
                               join pg_catalog.pg_type ty on ty.oid = a.atttypid
                               left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attislocal), '') || E'\\n)'
                           || coalesce((select ' INHERITS (' || string_agg(i.inhparent::regclass::text, ', ' order by i.inhseqno) || ')'
                                          from pg_catalog.pg_inherits i where i.inhrelid = c.oid), '')
                 end
              || case when c.relkind = 'p' then ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) else '' end
              || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') || ';' as sql
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(?::text[]) and c.relkind in ('r', 'p') and ${notFromExtension("pg_class", "c.oid")}`,
    [schemas],
  );
}

async function readIndexes(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { table: string; onView: boolean })[]> {
  // Indexes behind constraints come with the constraint; a partition's copies of its parent's
  // index come with the parent's. On a partitioned table the index is made on every partition.
  const rows = await conn.query<{ key: string; table: string; kind: string; definition: string }>(
    `select n.nspname || '.' || i.relname as key, tn.nspname || '.' || t.relname as "table", t.relkind as kind,
            pg_catalog.pg_get_indexdef(i.oid) as definition
       from pg_catalog.pg_index x
       join pg_catalog.pg_class i on i.oid = x.indexrelid
       join pg_catalog.pg_class t on t.oid = x.indrelid
       join pg_catalog.pg_namespace n on n.oid = i.relnamespace
       join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_class", "i.oid")} and not i.relispartition
        and not exists (select 1 from pg_catalog.pg_constraint k where k.conindid = i.oid and k.conrelid = t.oid and k.contype in ('p', 'u', 'x'))`,
    [schemas],
  );
  return rows.map((r) => ({
    key: r.key,
    table: r.table,
    onView: r.kind === "m",
    sql: statement(r.kind === "p" ? r.definition.replace(/ ON ONLY /, " ON ") : r.definition),
  }));
}

/** Views and materialized views, with what each needs: the views and routines it uses. */
async function readViews(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { rank: string; needs: string[] })[]> {
  const rows = await conn.query<{ key: string; rank: string; sql: string; needs: string[] }>(
    `select n.nspname || '.' || c.relname as key, case when c.relkind = 'v' then '1' else '2' end as rank,
            'CREATE ' || case when c.relkind = 'm' then 'MATERIALIZED VIEW ' else 'VIEW ' end || c.oid::regclass::text
              || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '')
              || E' AS\\n' || pg_catalog.pg_get_viewdef(c.oid, true) as sql,
            array(select distinct rn.nspname || '.' || rc.relname
                    from pg_catalog.pg_rewrite r
                    join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
                         and d.refclassid = 'pg_catalog.pg_class'::regclass
                    join pg_catalog.pg_class rc on rc.oid = d.refobjid and rc.relkind in ('v', 'm')
                    join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
                   where r.ev_class = c.oid and rc.oid <> c.oid
                  union
                  select pn.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')'
                    from pg_catalog.pg_rewrite r
                    join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
                         and d.refclassid = 'pg_catalog.pg_proc'::regclass
                    join pg_catalog.pg_proc p on p.oid = d.refobjid
                    join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace
                   where r.ev_class = c.oid) as needs
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(?::text[]) and c.relkind in ('v', 'm') and ${notFromExtension("pg_class", "c.oid")}`,
    [schemas],
  );
  return rows.map((r) => ({ ...r, sql: statement(r.sql) }));
}

/** Extended statistics (CREATE STATISTICS), on tables and materialized views. */
async function readStatistics(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { table: string })[]> {
  return conn.query<Entry & { table: string }>(
    `select n.nspname || '.' || s.stxname as key, tn.nspname || '.' || t.relname as "table",
            pg_catalog.pg_get_statisticsobjdef(s.oid) || ';' as sql
       from pg_catalog.pg_statistic_ext s
       join pg_catalog.pg_namespace n on n.oid = s.stxnamespace
       join pg_catalog.pg_class t on t.oid = s.stxrelid
       join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_statistic_ext", "s.oid")}`,
    [schemas],
  );
}

async function readTriggers(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { table: string })[]> {
  // A partition's copy of its parent's trigger comes with the parent's.
  const rows = await conn.query<{ key: string; table: string; definition: string }>(
    `select n.nspname || '.' || t.relname || '.' || g.tgname as key, n.nspname || '.' || t.relname as "table",
            pg_catalog.pg_get_triggerdef(g.oid) as definition
       from pg_catalog.pg_trigger g
       join pg_catalog.pg_class t on t.oid = g.tgrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      where n.nspname = any(?::text[]) and not g.tgisinternal and g.tgparentid = 0`,
    [schemas],
  );
  return rows.map((r) => ({ key: r.key, table: r.table, sql: statement(r.definition) }));
}

/** Row-level security: ENABLE/FORCE on each table that has it, then each policy. */
async function readRowSecurity(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { table: string })[]> {
  return conn.query<Entry & { table: string }>(
    `select n.nspname || '.' || c.relname || '.' || s.step as key, n.nspname || '.' || c.relname as "table",
            'ALTER TABLE ' || c.oid::regclass::text || ' ' || s.step || ' ROW LEVEL SECURITY;' as sql
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       cross join lateral (values ('ENABLE', c.relrowsecurity), ('FORCE', c.relforcerowsecurity)) s(step, used)
      where n.nspname = any(?::text[]) and c.relkind in ('r', 'p') and s.used
     union all
     select n.nspname || '.' || c.relname || '.policy ' || p.policyname, n.nspname || '.' || c.relname,
            'CREATE POLICY ' || pg_catalog.quote_ident(p.policyname) || ' ON ' || c.oid::regclass::text || ' ' || ${policyClause("p")} || ';'
       from pg_catalog.pg_policies p
       join pg_catalog.pg_namespace n on n.nspname = p.schemaname
       join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
      where n.nspname = any(?::text[])`,
    [schemas, schemas],
  );
}

/** COMMENT ON for what has one: schemas, relations and their columns, types, routines, constraints, triggers. */
async function readComments(conn: Queryable, schemas: readonly string[]): Promise<(Entry & { table: string | null })[]> {
  return conn.query<Entry & { table: string | null }>(
    `select x.key, x."table", 'COMMENT ON ' || x.target || ' IS ' || pg_catalog.quote_literal(x.comment) || ';' as sql from (
     select n.nspname as key, null as "table", 'SCHEMA ' || pg_catalog.quote_ident(n.nspname) as target, d.description as comment
       from pg_catalog.pg_description d join pg_catalog.pg_namespace n on n.oid = d.objoid
      where d.classoid = 'pg_catalog.pg_namespace'::regclass and n.nspname = any(?::text[]) and n.nspname <> 'public'
     union all
     select n.nspname || '.' || c.relname || coalesce('.' || a.attname, ''),
            case when c.relkind in ('r', 'p') then n.nspname || '.' || c.relname
                 when c.relkind in ('i', 'S') then (select tn.nspname || '.' || t.relname from pg_catalog.pg_depend dep
                                                      join pg_catalog.pg_class t on t.oid = dep.refobjid and t.relkind in ('r', 'p')
                                                      join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
                                                     where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid
                                                       and dep.refclassid = 'pg_catalog.pg_class'::regclass and dep.deptype in ('a', 'i') limit 1) end,
            case when a.attname is not null then 'COLUMN ' || c.oid::regclass::text || '.' || pg_catalog.quote_ident(a.attname)
                 else case c.relkind when 'v' then 'VIEW ' when 'm' then 'MATERIALIZED VIEW ' when 'i' then 'INDEX '
                                     when 'I' then 'INDEX ' when 'S' then 'SEQUENCE ' when 'c' then 'TYPE ' else 'TABLE ' end
                      || c.oid::regclass::text end,
            d.description
       from pg_catalog.pg_description d
       join pg_catalog.pg_class c on c.oid = d.objoid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
      where d.classoid = 'pg_catalog.pg_class'::regclass and n.nspname = any(?::text[]) and ${notFromExtension("pg_class", "c.oid")}
     union all
     select n.nspname || '.' || t.typname, null, case when t.typtype = 'd' then 'DOMAIN ' else 'TYPE ' end || t.oid::regtype::text, d.description
       from pg_catalog.pg_description d
       join pg_catalog.pg_type t on t.oid = d.objoid
       join pg_catalog.pg_namespace n on n.oid = t.typnamespace
      where d.classoid = 'pg_catalog.pg_type'::regclass and n.nspname = any(?::text[]) and ${notFromExtension("pg_type", "t.oid")}
     union all
     select n.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', null,
            case when p.prokind = 'p' then 'PROCEDURE ' else 'FUNCTION ' end || pg_catalog.quote_ident(n.nspname) || '.'
              || pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
            d.description
       from pg_catalog.pg_description d
       join pg_catalog.pg_proc p on p.oid = d.objoid
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where d.classoid = 'pg_catalog.pg_proc'::regclass and n.nspname = any(?::text[]) and ${notFromExtension("pg_proc", "p.oid")}
     union all
     select n.nspname || '.' || c.relname || '.' || k.conname, n.nspname || '.' || c.relname,
            'CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' ON ' || c.oid::regclass::text, d.description
       from pg_catalog.pg_description d
       join pg_catalog.pg_constraint k on k.oid = d.objoid
       join pg_catalog.pg_class c on c.oid = k.conrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where d.classoid = 'pg_catalog.pg_constraint'::regclass and n.nspname = any(?::text[])
     union all
     select n.nspname || '.' || c.relname || '.' || g.tgname, n.nspname || '.' || c.relname,
            'TRIGGER ' || pg_catalog.quote_ident(g.tgname) || ' ON ' || c.oid::regclass::text, d.description
       from pg_catalog.pg_description d
       join pg_catalog.pg_trigger g on g.oid = d.objoid
       join pg_catalog.pg_class c on c.oid = g.tgrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where d.classoid = 'pg_catalog.pg_trigger'::regclass and n.nspname = any(?::text[])
     ) x`,
    [schemas, schemas, schemas, schemas, schemas, schemas],
  );
}

