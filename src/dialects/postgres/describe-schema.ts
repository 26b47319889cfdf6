// PostgreSQL's schema as the neutral model, read from the catalogs. Definitions come from the
// server's own printers (pg_get_*def) with an empty search_path, so every name in them is
// schema-qualified and the text does not depend on the session's settings. Objects that belong
// to an extension are left to the extension (they come and go with CREATE/DROP EXTENSION).

import {
  schemaSnapshot,
  withoutTables,
  type ColumnDefinition,
  type ConstraintDefinition,
  type ConstraintType,
  type SchemaSnapshot,
  type TableObject,
} from "../../core/schema/model.js";
import type { DescribeSchemaOptions, Queryable, QueryOptions } from "../dialect.js";
import { PostgresConnection } from "./postgres-connection.js";
import { IN_SCOPE, readMarkers, reusable, type MarkerRow, type PostgresDescriptionMemo } from "./describe-memo.js";
import {
  FOLLOWED_KINDS,
  INSTALL,
  TAKE_LOG,
  membersFrom,
  membersOf,
  renamed,
  scopeOf,
  type Followed,
  type FollowedKind,
  type LogRow,
  type MemberRow,
  type Scope,
  type TakenRow,
} from "./describe-follow.js";

export interface PostgresDescribeOptions extends DescribeSchemaOptions {
  /** The one schema to describe; default: the connection's configured schema, else every non-system schema. */
  readonly schema?: string;
}

/** Not owned by an extension: `catalog` is the object's catalog table, `oid` its id column. */
export const notFromExtension = (catalog: string, oid: string): string =>
  `not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.${catalog}'::regclass and dep.objid = ${oid} and dep.deptype = 'e')`;

/** A collation's qualified name, from its oid (an SQL expression). */
const collationName = (oid: string): string =>
  `(select co.collnamespace::regnamespace::text || '.' || pg_catalog.quote_ident(co.collname) from pg_catalog.pg_collation co where co.oid = ${oid})`;

/** A row-level security policy after its name, from a pg_policies row `p`: `AS PERMISSIVE FOR ALL TO public USING (…)`. */
export const policyClause = (p: string): string =>
  `'AS ' || ${p}.permissive || ' FOR ' || ${p}.cmd || ' TO '
     || (select string_agg(case when r = 'public' then r::text else pg_catalog.quote_ident(r) end, ', ' order by r) from unnest(${p}.roles) r)
     || coalesce(' USING (' || ${p}.qual || ')', '') || coalesce(' WITH CHECK (' || ${p}.with_check || ')', '')`;

/** Only these objects (by oid), or every one when null. */
type Oids = readonly string[] | null;
/** Objects as read, each with the oid of the catalog row it describes. */
type Parts<T> = (readonly [oid: string, object: T])[];

/** A read of listed objects runs again and again (verify's shadow): it is planned once per session. */
const prepared = (oids: Oids): QueryOptions | undefined => (oids === null ? undefined : { reuse: true });

/**
 * An SQL condition keeping the objects whose `oid` is listed, none when every object is read: its
 * own statement text, so that a read of a few objects is planned as one (by the catalogs' oid
 * indexes), not as a scan of every object filtered after. `withOids` gives its parameters.
 */
const only = (oid: string, oids: Oids): string => (oids === null ? "" : `and ${oid} = any(?::oid[])`);
const withOids = (schemas: readonly string[], oids: Oids): unknown[] => (oids === null ? [schemas] : [schemas, oids]);

type Snapshotted = Required<Omit<Parameters<typeof schemaSnapshot>[0], "events">>;

/** What each kind of object is read from: its catalog in the markers, its reader, and which of the markers' rows can be one. */
const KINDS: { [K in Exclude<keyof Snapshotted, "schemas" | "extensions">]: {
  readonly cat: string;
  readonly read: (conn: Queryable, schemas: readonly string[], oids: Oids) => Promise<Parts<Snapshotted[K][number]>>;
  readonly can: (name: string) => boolean;
} } = {
  types: { cat: "t", read: readTypes, can: (n) => /^[edrc]:/.test(n) },
  sequences: { cat: "r", read: readSequences, can: (n) => n.startsWith("S:") },
  tables: { cat: "r", read: readTables, can: (n) => /^[rp]:/.test(n) },
  views: { cat: "r", read: readViews, can: (n) => /^[vm]:/.test(n) },
  indexes: { cat: "r", read: readIndexes, can: (n) => /^[iI]:/.test(n) },
  routines: { cat: "p", read: readRoutines, can: () => true },
  triggers: { cat: "g", read: readTriggers, can: () => true },
};

/**
 * The schema as the neutral model. With `remember` (and the dialect's memo), objects whose catalog
 * rows are unchanged since one of the last two descriptions are not read again (describe-memo.ts).
 */
export async function describeSchema(conn: Queryable, options: PostgresDescribeOptions = {}, remembered?: PostgresDescriptionMemo): Promise<SchemaSnapshot> {
  const memo = options.remember === true ? remembered : undefined;
  const exclude = options.exclude ?? [];
  if (memo !== undefined) return (options.followChanges === true ? await describeFollowed(conn, options, memo) : undefined) ?? describeRemembered(conn, options, memo);
  return withQualifiedNames(conn, async () => {
    const names = await schemasInScope(conn, options);
    const read = async <T>(reader: (conn: Queryable, schemas: readonly string[]) => Promise<Parts<T>>) => (await reader(conn, names)).map(([, o]) => o);
    const snapshot = schemaSnapshot({
      schemas: names.map((name) => ({ kind: "schema", name })),
      extensions: await readExtensions(conn, names),
      types: await read(readTypes),
      sequences: await read(readSequences),
      tables: await read(readTables),
      views: await read(readViews),
      indexes: await read(readIndexes),
      routines: await read(readRoutines),
      triggers: await read(readTriggers),
    });
    return withoutTables(snapshot, exclude);
  });
}

/**
 * A description that reuses what the memo remembers. The markers (with the schemas in scope)
 * are one round trip; an unchanged schema is answered from them alone, and only the objects
 * whose markers changed are read, with the empty search_path, in a transaction opened for them.
 */
async function describeRemembered(conn: Queryable, options: PostgresDescribeOptions, memo: PostgresDescriptionMemo): Promise<SchemaSnapshot> {
  const exclude = options.exclude ?? [];
  const markers = await readMarkers(conn, configuredSchema(conn, options));
  const names = [...markers.values()].filter((r) => r.cat === "n").map((r) => r.name).sort();
  const key = [names.join("\u0000"), exclude.join("\u0000"), ...[...markers.values()].map((r) => `${r.cat}:${r.oid}:${r.name}:${r.labels}:${r.marker}`).sort()].join("\u0001");
  // inside a transaction that has written, a row written again keeps its xmin: nothing is reused or kept
  const writing = [...markers.values()].some((r) => r.cat === "x" && r.labels !== "");
  const same = writing ? undefined : memo.snapshot<SchemaSnapshot>(key);
  if (same !== undefined) return same;
  const before = memo.markers();
  if (before === undefined || writing || !reusable(before, markers)) memo.clear();
  try {
    const kinds = (Object.keys(KINDS) as (keyof typeof KINDS)[]).map((kind) => rememberedKind(markers, memo, kind));
    // extensions change only with the markers' global row (pg_extension and its members)
    const global = [...markers.values()].find((r) => r.cat === "x")?.marker ?? "";
    const extensionsKey = `extensions:${names.join("\u0000")}:${global}`;
    let extensions = memo.part<SchemaSnapshot["extensions"]>(extensionsKey) ?? undefined;
    if (extensions === undefined || kinds.some((k) => k.missing.length > 0)) {
      await readTogether(conn, async (reader) => {
        const reads = [
          ...kinds.map((kind) => () => kind.read(reader, names)),
          async () => {
            extensions ??= await readExtensions(reader, names);
          },
        ];
        // together where they are batched; one after the other on a connection
        if (batchingReaders.has(reader)) await Promise.all(reads.map((read) => read()));
        else for (const read of reads) await read();
      });
    }
    memo.keep(extensionsKey, extensions);
    const parts = Object.fromEntries(kinds.map((k) => [k.kind, k.objects()])) as Partial<Snapshotted>;
    const snapshot = withoutTables(schemaSnapshot({ ...parts, schemas: names.map((name) => ({ kind: "schema", name })), extensions: extensions ?? [] }), exclude);
    if (writing) memo.clear();
    else memo.remember(key, snapshot, markers);
    return snapshot;
  } catch (error) {
    memo.abandon();
    throw error;
  }
}

/**
 * A description of a database whose changes the memo follows (describe-follow.ts): the previous
 * one when nothing was logged since, else it with what the log names read again. Undefined where
 * the changes cannot be followed (the event trigger could not be made, is gone, or a transaction
 * is open): the caller reads the change markers.
 */
async function describeFollowed(conn: Queryable, options: PostgresDescribeOptions, memo: PostgresDescriptionMemo): Promise<SchemaSnapshot | undefined> {
  if (memo.following === "off" || !(conn instanceof PostgresConnection) || conn.transactionStatus() !== "I") return undefined;
  if (memo.following === "untried") {
    try {
      await conn.exec(INSTALL);
      memo.following = "on";
    } catch {
      // not a superuser: nothing was made, the markers serve
      await conn.exec("rollback").catch(() => undefined);
      memo.following = "off";
      return undefined;
    }
  }
  let rows: TakenRow[];
  try {
    rows = (await ownReads<TakenRow>(conn, [{ sql: TAKE_LOG, params: [] }]))[0] ?? [];
  } catch {
    // the log dropped
    rows = [];
  }
  if (rows.find((r) => r.part === "alive")?.oid !== "2") {
    // an event trigger dropped or disabled: changes from now on may not be logged
    memo.following = "off";
    memo.followed = undefined;
    return undefined;
  }
  const exclude = options.exclude ?? [];
  const last = memo.followed;
  if (last === undefined || last.exclude !== exclude.join("\u0000")) return rememberFollowed(memo, await readFollowed(conn, options));
  const log = rows.filter((r): r is LogRow => r.part === "log");
  if (log.length === 0) return last.snapshot;
  const scope = scopeOf(log);
  const next = scope.full ? null : await readScoped(conn, options, last, scope, rows);
  return rememberFollowed(memo, next ?? (await readFollowed(conn, options)));
}

function rememberFollowed(memo: PostgresDescriptionMemo, followed: Followed): SchemaSnapshot {
  memo.followed = followed;
  return followed.snapshot;
}

type FollowedObjects = Followed["objects"];

function followedSnapshot(schemas: Map<string, string>, extensions: SchemaSnapshot["extensions"], objects: FollowedObjects, members: Map<string, Set<string>>, exclude: readonly string[]): Followed {
  const names = [...schemas.values()].sort();
  const parts = Object.fromEntries(FOLLOWED_KINDS.map((kind) => [kind, [...objects[kind].values()]])) as unknown as Partial<Snapshotted>;
  const snapshot = withoutTables(schemaSnapshot({ ...parts, schemas: names.map((name) => ({ kind: "schema", name })), extensions }), exclude);
  return { schemas, extensions, objects, members, snapshot, exclude: exclude.join("\u0000") };
}

const schemasWithOids = (conn: Queryable, options: PostgresDescribeOptions) => {
  const configured = configuredSchema(conn, options);
  return conn.query<{ oid: string; name: string }>(`select n.oid::text as oid, n.nspname as name from pg_catalog.pg_namespace n where ${IN_SCOPE}`, [configured, configured]);
};

/** Every object in scope, with each table's members: the first description, and any the log cannot scope. */
async function readFollowed(conn: Queryable, options: PostgresDescribeOptions): Promise<Followed> {
  const schemas = new Map((await schemasWithOids(conn, options)).map((r) => [r.oid, r.name]));
  const names = [...schemas.values()];
  const objects = Object.fromEntries(FOLLOWED_KINDS.map((kind) => [kind, new Map()])) as unknown as FollowedObjects;
  let extensions: SchemaSnapshot["extensions"] = [];
  let members: MemberRow[] = [];
  await readTogether(conn, async (reader) => {
    const reads = [
      ...FOLLOWED_KINDS.map((kind) => async () => {
        const read = KINDS[kind].read as (c: Queryable, s: readonly string[], o: Oids) => Promise<Parts<unknown>>;
        for (const [oid, object] of await read(reader, names, null)) (objects[kind] as Map<string, unknown>).set(oid, object);
      }),
      async () => {
        extensions = await readExtensions(reader, names);
      },
      async () => {
        members = await reader.query<MemberRow>(
          membersOf(`select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                      where n.nspname = any(?::text[]) and c.relkind in ('r', 'p')`),
          [names],
        );
      },
    ];
    if (batchingReaders.has(reader)) await Promise.all(reads.map((read) => read()));
    else for (const read of reads) await read();
  });
  return followedSnapshot(schemas, extensions, objects, membersFrom(members), options.exclude ?? []);
}

/**
 * The last description with what `scope` and TAKE_LOG's rows (`taken`) name read again; null when
 * something read again was renamed, or is printed by what the log cannot scope (a full read then).
 */
async function readScoped(
  conn: PostgresConnection,
  options: PostgresDescribeOptions,
  last: Followed,
  scope: Extract<Scope, { full: false }>,
  taken: readonly TakenRow[],
): Promise<Followed | null> {
  let schemas = last.schemas;
  let extensions = last.extensions;
  if (scope.schemas) {
    schemas = new Map((await schemasWithOids(conn, options)).map((r) => [r.oid, r.name]));
    for (const [oid, name] of last.schemas) if (schemas.has(oid) && schemas.get(oid) !== name) return null;
  }
  const names = [...schemas.values()];
  const read = Object.fromEntries(FOLLOWED_KINDS.map((kind) => [kind, new Set<string>()])) as { [K in FollowedKind]: Set<string> };
  for (const oid of scope.types) read.types.add(oid);
  for (const oid of scope.routines) read.routines.add(oid);
  const roots = new Set<string>();
  const memberRows: MemberRow[] = [];
  for (const row of taken) {
    if (row.part === "member") memberRows.push({ kind: row.cat as MemberRow["kind"], root: row.root ?? "", oid: row.oid });
    if (row.part !== "resolved") continue;
    const relkind = row.cat;
    if (relkind === "r" || relkind === "p") roots.add(row.oid);
    else if (relkind === "v" || relkind === "m") read.views.add(row.oid);
    else if (relkind === "S") read.sequences.add(row.oid);
    else if (relkind === "i" || relkind === "I") read.indexes.add(row.oid);
    else if (relkind === "T") read.types.add(row.oid);
    // a composite type's relation, a foreign table: not scoped
    else return null;
  }
  const listed = new Set(memberRows.filter((r) => r.kind === "tables").map((r) => r.oid));
  for (const oid of listed) roots.add(oid);
  // a table's children as they were: one detached since is read again too
  const pending = [...roots];
  while (pending.length > 0) {
    for (const member of last.members.get(pending.pop()!) ?? []) {
      if (!member.startsWith("tables:")) continue;
      const child = member.slice("tables:".length);
      if (!roots.has(child) && !scope.dropped.has(child)) {
        roots.add(child);
        pending.push(child);
      }
    }
  }
  const more = [...roots].filter((oid) => !listed.has(oid));
  if (more.length > 0) memberRows.push(...((await ownReads<MemberRow>(conn, [{ sql: membersOf("select unnest(?::oid[])"), params: [more] }]))[0] ?? []));
  const members = new Map(last.members);
  for (const root of roots) {
    for (const member of last.members.get(root) ?? []) {
      const at = member.indexOf(":");
      read[member.slice(0, at) as FollowedKind].add(member.slice(at + 1));
    }
    read.tables.add(root);
    members.delete(root);
  }
  for (const row of memberRows) read[row.kind].add(row.oid);
  for (const [root, set] of membersFrom(memberRows)) members.set(root, set);
  for (const oid of scope.dropped) members.delete(oid);
  const objects = Object.fromEntries(FOLLOWED_KINDS.map((kind) => [kind, new Map<string, unknown>(last.objects[kind] as Map<string, unknown>)])) as unknown as FollowedObjects;
  for (const oid of scope.dropped) {
    for (const kind of FOLLOWED_KINDS) objects[kind].delete(oid);
    // what belonged to a table dropped went with it (whatever oid it had last)
    for (const member of last.members.get(oid) ?? []) {
      const at = member.indexOf(":");
      objects[member.slice(0, at) as FollowedKind].delete(member.slice(at + 1));
    }
  }
  // and by name: REINDEX CONCURRENTLY gives an index a new oid without an event (PostgreSQL 15), so
  // the index a later DROP names may be remembered under its old one
  const droppedRelations = new Set(
    taken.filter((r) => r.part === "log" && r.dropped && r.cat === "pg_class" && r.sub === 0 && (r.names?.length ?? 0) >= 2).map((r) => `${r.names![0]}.${r.names![1]}`),
  );
  if (droppedRelations.size > 0) {
    for (const [oid, index] of objects.indexes) if (droppedRelations.has(index.name)) objects.indexes.delete(oid);
  }
  let renames = false;
  await readTogether(conn, async (reader) => {
    const reads = [
      ...FOLLOWED_KINDS.map((kind) => async () => {
        const oids = [...read[kind]].filter((oid) => !scope.dropped.has(oid));
        if (oids.length === 0) return;
        const readKind = KINDS[kind].read as (c: Queryable, s: readonly string[], o: Oids) => Promise<Parts<Snapshotted[FollowedKind][number]>>;
        const found = new Map(await readKind(reader, names, oids));
        const map = objects[kind] as Map<string, unknown>;
        for (const oid of oids) {
          const now = found.get(oid);
          map.delete(oid);
          if (now === undefined) continue;
          if (renamed(kind, last.objects[kind].get(oid), now)) renames = true;
          map.set(oid, now);
        }
      }),
      async () => {
        if (scope.schemas) extensions = await readExtensions(reader, names);
      },
    ];
    if (batchingReaders.has(reader)) await Promise.all(reads.map((r) => r()));
    else for (const r of reads) await r();
  });
  if (renames) return null;
  return followedSnapshot(schemas, extensions, objects, members, options.exclude ?? []);
}

/** One kind's objects: remembered where the object's marker is unchanged; `read` reads the rest (the missing ones). */
function rememberedKind<K extends keyof typeof KINDS>(markers: Map<string, MarkerRow>, memo: PostgresDescriptionMemo, kind: K) {
  type T = Snapshotted[K][number];
  const { cat, read, can } = KINDS[kind] as unknown as { cat: string; read: (c: Queryable, s: readonly string[], o: Oids) => Promise<Parts<T>>; can: (n: string) => boolean };
  const rows = [...markers.values()].filter((r) => r.cat === cat && can(r.name));
  const partKey = (r: MarkerRow) => `${kind}:${r.oid}:${r.marker}`;
  const found = new Map<string, T | null>();
  const missing: MarkerRow[] = [];
  for (const row of rows) {
    const part = memo.part<T>(partKey(row));
    if (part === undefined) missing.push(row);
    else found.set(row.oid, part);
  }
  return {
    kind,
    missing,
    async read(conn: Queryable, names: readonly string[]): Promise<void> {
      if (missing.length === 0) return;
      const read_ = new Map(await read(conn, names, missing.length === rows.length ? null : missing.map((r) => r.oid)));
      for (const row of missing) {
        const part = read_.get(row.oid) ?? null;
        found.set(row.oid, part);
        memo.keep(partKey(row), part);
      }
    },
    /** In the markers' order, as before the missing ones were read. */
    objects: (): T[] => rows.map((r) => found.get(r.oid)).filter((o): o is T => o !== null && o !== undefined),
  };
}

/**
 * Runs `read`, whose queries are started together, with an empty search_path. On a session of
 * our own outside a transaction, its queries are sent in one round trip with the transaction and
 * the setting around them (PostgresConnection.queryMany); else as `withQualifiedNames` runs them.
 */
/**
 * Around reads sent together: a transaction of their own with an empty search_path and the plans
 * of their prepared statements kept (a read of a few objects by oid planned each time costs more
 * than it runs: a generic plan uses the catalogs' oid indexes as well).
 */
const OWN_READS = {
  before: ["begin", "select set_config('search_path', '', true), set_config('plan_cache_mode', 'force_generic_plan', true)"],
  after: ["commit"],
} as const;

/** `reads` in one round trip, in a transaction of their own (OWN_READS): the rows of each. */
async function ownReads<R>(conn: PostgresConnection, reads: readonly { readonly sql: string; readonly params: readonly unknown[] }[]): Promise<R[][]> {
  try {
    return await conn.queryMany<R>(reads, OWN_READS);
  } catch (error) {
    await conn.exec("rollback").catch(() => undefined);
    throw error;
  }
}

/** The readers of `readTogether`: a reader may start its queries together on them. */
const batchingReaders = new WeakSet<Queryable>();

async function readTogether(conn: Queryable, read: (reader: Queryable) => Promise<void>): Promise<void> {
  if (!(conn instanceof PostgresConnection) || conn.transactionStatus() !== "I") return withQualifiedNames(conn, () => read(conn));
  const queued: { readonly sql: string; readonly params: readonly unknown[]; resolve(rows: unknown[]): void; reject(error: unknown): void }[] = [];
  const reader: Queryable = {
    query: <R>(sql: string, params: readonly unknown[] = []) =>
      new Promise<R[]>((resolve, reject) => queued.push({ sql, params, resolve: resolve as (rows: unknown[]) => void, reject })),
    exec: (sql: string) => Promise.reject(new Error(`a schema read runs no statement (${sql})`)),
  };
  batchingReaders.add(reader);
  let failed: unknown;
  let finished = false;
  const settled = read(reader).then(
    () => {
      finished = true;
    },
    (error: unknown) => {
      finished = true;
      failed = error;
    },
  );
  // the queries the readers started are sent together; one a reader starts after another's rows
  // came goes in the next round trip
  while (!finished) {
    await Promise.race([settled, new Promise((resolve) => setImmediate(resolve))]);
    if (queued.length === 0) continue;
    const batch = queued.splice(0);
    try {
      const rows = await conn.queryMany(batch, OWN_READS);
      batch.forEach((q, i) => q.resolve(rows[i] ?? []));
    } catch (error) {
      await conn.exec("rollback").catch(() => undefined);
      batch.forEach((q) => q.reject(error));
    }
  }
  if (failed !== undefined) throw failed;
}

/**
 * Runs `read` with an empty search_path, so the server's printers qualify every name. The setting
 * is changed for the read's transaction only (`set_config(…, true)`; a transaction of its own when
 * none is open): a session-wide change would outlive a failure, and behind a transaction pooler it
 * would stay on a server connection the next client gets.
 */
export async function withQualifiedNames<T>(conn: Queryable, read: () => Promise<T>): Promise<T> {
  const status = conn instanceof PostgresConnection ? conn.transactionStatus() : null;
  if (status === "I") {
    try {
      // one round trip
      await conn.exec("begin; select set_config('search_path', '', true)");
      const result = await read();
      await conn.exec("commit");
      return result;
    } catch (error) {
      await conn.exec("rollback").catch(() => undefined);
      throw error;
    }
  }
  const local = status === "T";
  // one round trip: the setting as it was, then emptied (the select list is evaluated in order)
  const [scope] = await conn.query<{ search_path: string }>(
    `select current_setting('search_path') as search_path, set_config('search_path', '', ${local}) as emptied`,
  );
  try {
    return await read();
  } finally {
    await conn.query(`select set_config('search_path', ?, ${local})`, [scope?.search_path ?? ""]);
  }
}

/** The schemas described: the configured one, else every schema that is neither the system's nor an extension's. */
export async function schemasInScope(conn: Queryable, options: PostgresDescribeOptions): Promise<string[]> {
  const configured = configuredSchema(conn, options);
  const schemas = await conn.query<{ name: string }>(`select n.nspname as name from pg_catalog.pg_namespace n where ${IN_SCOPE}`, [configured, configured]);
  return schemas.map((s) => s.name);
}

/** The one schema asked for (the option, else the connection's configured one), or null: every schema in scope. */
export function configuredSchema(conn: Queryable, options: PostgresDescribeOptions): string | null {
  return options.schema ?? (conn instanceof PostgresConnection ? conn.schema : undefined) ?? null;
}

async function readExtensions(conn: Queryable, schemas: readonly string[]): Promise<SchemaSnapshot["extensions"]> {
  const rows = await conn.query<{ name: string; version: string; schema: string }>(
    `select e.extname as name, e.extversion as version, n.nspname as schema
       from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
      where n.nspname = any(?::text[])`,
    [schemas],
  );
  return rows.map((r) => ({ kind: "extension", name: r.name, version: r.version, schema: r.schema }));
}

async function readTypes(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<SchemaSnapshot["types"][number]>> {
  const rows = await conn.query<{ oid: string; name: string; typtype: string; values: string[] | null; definition: string | null }>(
    `select t.oid::text as oid, n.nspname || '.' || t.typname as name, t.typtype,
            case t.typtype
              when 'e' then array(select e.enumlabel::text from pg_catalog.pg_enum e where e.enumtypid = t.oid order by e.enumsortorder)
              when 'c' then array(select a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                                          || case when a.attcollation <> at.typcollation then ' COLLATE ' || ${collationName("a.attcollation")} else '' end
                                     from pg_catalog.pg_attribute a join pg_catalog.pg_type at on at.oid = a.atttypid
                                    where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum)
            end as "values",
            case t.typtype
              when 'd' then pg_catalog.format_type(t.typbasetype, t.typtypmod)
                || case when t.typcollation <> (select b.typcollation from pg_catalog.pg_type b where b.oid = t.typbasetype)
                        then ' COLLATE ' || ${collationName("t.typcollation")} else '' end
                || case when t.typnotnull then ' NOT NULL' else '' end
                || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0), '')
                || coalesce((select string_agg(' CONSTRAINT ' || k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid), '' order by k.conname)
                               from pg_catalog.pg_constraint k where k.contypid = t.oid), '')
              when 'r' then (select 'SUBTYPE ' || pg_catalog.format_type(r.rngsubtype, null)
                                      || case when r.rngcollation <> 0 and r.rngcollation <> (select s.typcollation from pg_catalog.pg_type s where s.oid = r.rngsubtype)
                                              then ' COLLATE ' || ${collationName("r.rngcollation")} else '' end
                                      || case when r.rngcanonical <> 0 then ' CANONICAL ' || r.rngcanonical::regproc::text else '' end
                                      || case when r.rngsubdiff <> 0 then ' SUBTYPE_DIFF ' || r.rngsubdiff::regproc::text else '' end
                                      || ' MULTIRANGE ' || r.rngmultitypid::regtype::text
                               from pg_catalog.pg_range r where r.rngtypid = t.oid)
            end as definition
       from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_type", "t.oid")}
        and (t.typtype in ('e', 'd', 'r')
             or (t.typtype = 'c' and (select c.relkind from pg_catalog.pg_class c where c.oid = t.typrelid) = 'c'))
        ${only("t.oid", oids)}`,
    withOids(schemas, oids),
    prepared(oids),
  );
  const kinds = { e: "enum", c: "composite", d: "domain", r: "range" } as const;
  return rows.map((r) => [r.oid, {
    kind: "type",
    name: r.name,
    type: kinds[r.typtype as keyof typeof kinds],
    values: r.values ?? [],
    definition: r.definition,
  }]);
}

async function readSequences(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<SchemaSnapshot["sequences"][number]>> {
  const rows = await conn.query<{
    oid: string; name: string; type: string; start: string; increment: string; min: string; max: string; cycle: boolean; owned_by: string | null;
  }>(
    `select c.oid::text as oid, n.nspname || '.' || c.relname as name, pg_catalog.format_type(s.seqtypid, null) as type,
            s.seqstart::text as start, s.seqincrement::text as increment, s.seqmin::text as min, s.seqmax::text as max,
            s.seqcycle as cycle,
            (select tn.nspname || '.' || t.relname || '.' || a.attname
               from pg_catalog.pg_depend d
               join pg_catalog.pg_class t on t.oid = d.refobjid
               join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
               join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
              where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.refobjsubid > 0
                and d.deptype in ('a', 'i') limit 1) as owned_by
       from pg_catalog.pg_sequence s
       join pg_catalog.pg_class c on c.oid = s.seqrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_class", "c.oid")} ${only("c.oid", oids)}`,
    withOids(schemas, oids),
    prepared(oids),
  );
  return rows.map((r) => [r.oid, {
    kind: "sequence",
    name: r.name,
    type: r.type,
    start: r.start,
    increment: r.increment,
    min: r.min,
    max: r.max,
    cycle: r.cycle,
    ownedBy: r.owned_by,
  }]);
}

interface ColumnRow {
  oid: string;
  table_name: string;
  definition: string | null;
  name: string | null;
  type: string;
  nullable: boolean;
  default: string | null;
  generated: string;
  identity: string;
  collation: string | null;
}

async function readTables(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<TableObject>> {
  // started together where the reads are batched (one round trip); one after the other on a connection
  const readColumns = () => conn.query<ColumnRow>(
    `select c.oid::text as oid, n.nspname || '.' || c.relname as table_name,
            case when c.relpersistence = 'u' then 'UNLOGGED ' else '' end
              || case when c.relkind = 'p' then 'PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) else '' end
              || case when c.relispartition then
                   (select ' PARTITION OF ' || pn.nspname || '.' || p.relname || ' ' || pg_catalog.pg_get_expr(c.relpartbound, c.oid)
                      from pg_catalog.pg_inherits i join pg_catalog.pg_class p on p.oid = i.inhparent
                      join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace where i.inhrelid = c.oid)
                 else coalesce((select ' INHERITS (' || string_agg(i.inhparent::regclass::text, ', ' order by i.inhseqno) || ')'
                                  from pg_catalog.pg_inherits i where i.inhrelid = c.oid), '') end
              || case when c.relrowsecurity then ' ROW LEVEL SECURITY' else '' end
              || case when c.relforcerowsecurity then ' FORCE ROW LEVEL SECURITY' else '' end
              || coalesce((select string_agg(' POLICY ' || pg_catalog.quote_ident(p.policyname) || ' ' || ${policyClause("p")}, '' order by p.policyname)
                             from pg_catalog.pg_policies p where p.schemaname = n.nspname and p.tablename = c.relname), '') as definition,
            a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
            not a.attnotnull as nullable, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as "default",
            a.attgenerated as generated, a.attidentity as identity,
            case when a.attcollation <> ty.typcollation then co.collname end as collation
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       left join pg_catalog.pg_type ty on ty.oid = a.atttypid
       left join pg_catalog.pg_collation co on co.oid = a.attcollation
       left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname = any(?::text[]) and c.relkind in ('r', 'p') and ${notFromExtension("pg_class", "c.oid")} ${only("c.oid", oids)}
      order by 2, a.attnum`,
    withOids(schemas, oids),
    prepared(oids),
  );
  const readConstraints = () => conn.query<{ oid: string; name: string; type: string; definition: string }>(
    `select t.oid::text as oid, n.nspname || '.' || t.relname as table_name, k.conname as name, k.contype as type,
            pg_catalog.pg_get_constraintdef(k.oid) as definition
       from pg_catalog.pg_constraint k
       join pg_catalog.pg_class t on t.oid = k.conrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      where n.nspname = any(?::text[]) and t.relkind in ('r', 'p') and k.contype in ('p', 'u', 'f', 'c', 'x') ${only("t.oid", oids)}
      -- a foreign key to a partitioned table has a copy per partition, under the same name: ties go by definition
      order by 2, 3, 5`,
    withOids(schemas, oids),
    prepared(oids),
  );
  const [columns, constraints] = batchingReaders.has(conn) ? await Promise.all([readColumns(), readConstraints()]) : [await readColumns(), await readConstraints()];
  const types: Record<string, ConstraintType> = { p: "primary", u: "unique", f: "foreign", c: "check", x: "exclusion" };
  const byTable = new Map<string, { name: string; definition: string | null; columns: ColumnDefinition[]; constraints: ConstraintDefinition[] }>();
  for (const row of columns) {
    const table = byTable.get(row.oid) ?? { name: row.table_name, definition: row.definition?.trim() || null, columns: [], constraints: [] };
    if (row.name !== null) table.columns.push(column(row));
    byTable.set(row.oid, table);
  }
  for (const row of constraints) {
    byTable.get(row.oid)?.constraints.push({ name: row.name, type: types[row.type] ?? "check", definition: row.definition });
  }
  return [...byTable].map(([oid, { name, ...table }]) => [oid, { kind: "table", name, ...table }]);
}

function column(row: ColumnRow): ColumnDefinition {
  const generated = row.generated === "s" ? `${row.default ?? ""} stored` : null;
  const identity = row.identity === "a" ? "always" : row.identity === "d" ? "by default" : null;
  return {
    name: row.name ?? "",
    type: row.type,
    nullable: row.nullable,
    default: generated === null ? row.default : null,
    generated,
    identity,
    collation: row.collation,
    onUpdate: null,
  };
}

async function readViews(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<SchemaSnapshot["views"][number]>> {
  const rows = await conn.query<{ oid: string; name: string; relkind: string; definition: string }>(
    `select c.oid::text as oid, n.nspname || '.' || c.relname as name, c.relkind,
            coalesce('WITH (' || array_to_string(c.reloptions, ', ') || E') AS\n', '') || pg_catalog.pg_get_viewdef(c.oid, true) as definition
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(?::text[]) and c.relkind in ('v', 'm') and ${notFromExtension("pg_class", "c.oid")} ${only("c.oid", oids)}`,
    withOids(schemas, oids),
    prepared(oids),
  );
  return rows.map((r) => [r.oid, { kind: r.relkind === "m" ? "materialized view" : "view", name: r.name, definition: r.definition.trim() }]);
}

async function readIndexes(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<SchemaSnapshot["indexes"][number]>> {
  const rows = await conn.query<{
    oid: string; name: string; table: string; unique: boolean; method: string; columns: string[]; predicate: string | null; definition: string;
  }>(
    `select i.oid::text as oid, n.nspname || '.' || i.relname as name, tn.nspname || '.' || t.relname as "table", x.indisunique as unique,
            am.amname as method,
            array(select pg_catalog.pg_get_indexdef(i.oid, k, true) from generate_series(1, x.indnkeyatts) k order by k) as columns,
            pg_catalog.pg_get_expr(x.indpred, x.indrelid, true) as predicate,
            pg_catalog.pg_get_indexdef(i.oid) as definition
       from pg_catalog.pg_index x
       join pg_catalog.pg_class i on i.oid = x.indexrelid
       join pg_catalog.pg_class t on t.oid = x.indrelid
       join pg_catalog.pg_namespace n on n.oid = i.relnamespace
       join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
       join pg_catalog.pg_am am on am.oid = i.relam
      where n.nspname = any(?::text[]) and ${notFromExtension("pg_class", "i.oid")} ${only("i.oid", oids)}`,
    withOids(schemas, oids),
    prepared(oids),
  );
  return rows.map(({ oid, ...r }) => [oid, { kind: "index", ...r }]);
}

async function readRoutines(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<SchemaSnapshot["routines"][number]>> {
  const rows = await conn.query<{ oid: string; name: string; prokind: string; returns: string | null; language: string; definition: string }>(
    `select p.oid::text as oid, n.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')' as name, p.prokind,
            case when p.prokind = 'p' then null else pg_catalog.pg_get_function_result(p.oid) end as returns,
            l.lanname as language, pg_catalog.pg_get_functiondef(p.oid) as definition
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       join pg_catalog.pg_language l on l.oid = p.prolang
      where n.nspname = any(?::text[]) and p.prokind in ('f', 'p') and ${notFromExtension("pg_proc", "p.oid")}
        -- a range type's constructors come and go with the type
        and not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_proc'::regclass
                          and dep.objid = p.oid and dep.deptype = 'i')
        ${only("p.oid", oids)}`,
    withOids(schemas, oids),
    prepared(oids),
  );
  return rows.map((r) => [r.oid, {
    kind: r.prokind === "p" ? "procedure" : "function",
    name: r.name,
    returns: r.returns,
    language: r.language,
    definition: r.definition.trim(),
  }]);
}

async function readTriggers(conn: Queryable, schemas: readonly string[], oids: Oids = null): Promise<Parts<SchemaSnapshot["triggers"][number]>> {
  const rows = await conn.query<{ oid: string; name: string; table: string; type: number; definition: string }>(
    `select g.oid::text as oid, n.nspname || '.' || t.relname || '.' || g.tgname as name, n.nspname || '.' || t.relname as "table",
            g.tgtype::int as type, pg_catalog.pg_get_triggerdef(g.oid) as definition
       from pg_catalog.pg_trigger g
       join pg_catalog.pg_class t on t.oid = g.tgrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      where n.nspname = any(?::text[]) and not g.tgisinternal ${only("g.oid", oids)}`,
    withOids(schemas, oids),
    prepared(oids),
  );
  // tgtype bits (pg_trigger.h): 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead.
  return rows.map((r) => [r.oid, {
    kind: "trigger",
    name: r.name,
    table: r.table,
    timing: r.type & 2 ? "BEFORE" : r.type & 64 ? "INSTEAD OF" : "AFTER",
    events: [
      ...(r.type & 8 ? ["DELETE"] : []),
      ...(r.type & 4 ? ["INSERT"] : []),
      ...(r.type & 32 ? ["TRUNCATE"] : []),
      ...(r.type & 16 ? ["UPDATE"] : []),
    ],
    definition: r.definition,
  }]);
}
