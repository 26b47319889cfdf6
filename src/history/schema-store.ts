// The schema snapshot drift compares with: a third table beside the state table and the log,
// named after the state table (`<table>_schema`, in the same schema), holding one current row:
// the snapshot's fingerprint, the snapshot itself (gzip + base64 when large), the last applied
// version and when it was recorded. Its fingerprint column also holds, after ` catalog:`, the
// catalog fingerprint (Dialect.catalogFingerprint) read when the snapshot was described: while the
// live catalog's is the same, the live schema is the snapshot, and drift need not describe it.
// (A Stratum that does not know this suffix only finds the fingerprints unequal and diffs.)

import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createRequire } from "node:module";
import type { Connection, Dialect, Queryable } from "../dialects/dialect.js";
import { canonicalChunks } from "../core/schema/drift.js";
import { schemaSnapshot, type SchemaSnapshot } from "../core/schema/model.js";
import type { HistoryTables } from "./history-store.js";
import { leaseTableName } from "../dialects/lease-lock.js";

/**
 * node:zlib, loaded the first time a snapshot is compressed or read back: a run that changes no
 * schema (every no-op `up` and `status`) never needs it, and loading it is about 1% of such a run.
 */
let zlibLoaded: typeof import("node:zlib") | undefined;
const zlib = (): typeof import("node:zlib") => (zlibLoaded ??= createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib"));

/** The table's name: the state table's, with `_schema`. */
export const schemaTableOf = (table: string): string => `${table}_schema`;

/**
 * Stratum's own tables, as `describeSchema({ exclude })` takes them: the state table, the log,
 * the schema snapshot table and the lease lock's table. Every describeSchema that leaves the history out uses this list.
 */
export function stratumTables(tables: HistoryTables): string[] {
  return [tables.table, tables.logTable, schemaTableOf(tables.table), leaseTableName(tables.table)];
}

/** What is recorded. */
export interface RecordedSchema {
  readonly fingerprint: string;
  readonly snapshot: SchemaSnapshot;
  /** The highest applied version when it was recorded, or null. */
  readonly version: string | null;
  /** ISO 8601, the recording machine's clock. */
  readonly recordedAt: string;
}

export interface RecordedFingerprint extends Omit<RecordedSchema, "snapshot"> {
  /** The catalog fingerprint read when the snapshot was described, or null when the dialect could not vouch. */
  readonly catalog: string | null;
}

export interface SchemaStore {
  /** The fingerprint alone (one query), or null when nothing is recorded. */
  readFingerprint(db: Queryable & Pick<Connection, "tableExists">): Promise<RecordedFingerprint | null>;
  /** The whole record, or null when nothing is recorded. */
  read(db: Queryable & Pick<Connection, "tableExists">): Promise<RecordedSchema | null>;
  /** Creates the table when missing (before the catalog's fingerprint is read, so that it counts the table). */
  ensure(db: Queryable): Promise<void>;
  /** Creates the table when missing and replaces its one row; `catalog`, the catalog fingerprint read with the snapshot. */
  write(db: Queryable, snapshot: SchemaSnapshot, version: string | null, recordedAt: string, catalog?: string | null): Promise<RecordedSchema>;
}

/** Snapshots above this many characters of JSON are stored compressed. */
const COMPRESS_ABOVE = 16 * 1024;
const CURRENT = "current";
/** Between the snapshot's fingerprint and the catalog's, in the fingerprint column. */
const CATALOG = " catalog:";

interface Row {
  fingerprint: string;
  version: string | null;
  recorded_at: string;
  encoding?: string;
  snapshot?: string;
}

/**
 * The snapshot's fingerprint and the text stored for it, from one pass over its canonical JSON in
 * pieces (canonicalChunks): a large snapshot is hashed and compressed as it is written, never held
 * as one string nor as one buffer (5,000 tables: 5.2 MB of JSON, compressed to 0.2 MB).
 */
export async function encodeSnapshot(snapshot: SchemaSnapshot): Promise<{ fingerprint: string; encoding: string; text: string }> {
  const hash = createHash("sha256");
  function* hashed(): Generator<string> {
    for (const piece of canonicalChunks(snapshot)) {
      hash.update(piece, "utf8");
      yield piece;
    }
  }
  const pieces = hashed();
  // the pieces that fit in what is stored as plain JSON
  let head = "";
  let next = pieces.next();
  while (!next.done && head.length + next.value.length <= COMPRESS_ABOVE) {
    head += next.value;
    next = pieces.next();
  }
  if (next.done) return { fingerprint: hash.digest("hex"), encoding: "json", text: head };
  const first = next.value;
  function* all(): Generator<string> {
    yield head;
    yield first;
    yield* pieces;
  }
  const compressed: Buffer[] = [];
  await pipeline(Readable.from(all()), zlib().createGzip(), async (gzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of gzipped) compressed.push(chunk);
  });
  return { fingerprint: hash.digest("hex"), encoding: "gzip-base64", text: Buffer.concat(compressed).toString("base64") };
}

export function decodeSnapshot(encoding: string, text: string): SchemaSnapshot {
  const json = encoding === "gzip-base64" ? zlib().gunzipSync(Buffer.from(text, "base64")).toString("utf8") : text;
  return schemaSnapshot(JSON.parse(json) as SchemaSnapshot);
}

export function schemaStore(dialect: Dialect, tables: HistoryTables): SchemaStore {
  const name = schemaTableOf(tables.table);
  const table = dialect.qualifiedTable(name);
  const t = dialect.historyTypes;
  const columns = "id, fingerprint, version, recorded_at, encoding, snapshot";
  const insert = `insert into ${table} (${columns}) values (?, ?, ?, ?, ?, ?)`;
  const update = ["fingerprint", "version", "recorded_at", "encoding", "snapshot"]
    .map((c) => (t.upsert === "on-duplicate-key" ? `${c} = values(${c})` : `${c} = excluded.${c}`))
    .join(", ");
  const upsert =
    t.upsert === "on-conflict" ? `${insert} on conflict (id) do update set ${update}` : t.upsert === "on-duplicate-key" ? `${insert} on duplicate key update ${update}` : null;

  const readRow = async (db: Queryable & Pick<Connection, "tableExists">, select: string): Promise<Row | null> => {
    if (!(await db.tableExists(name))) return null;
    const rows = await db.query<Row>(`select ${select} from ${table} where id = ?`, [CURRENT]);
    return rows[0] ?? null;
  };
  const fingerprintOfRow = (row: Row): RecordedFingerprint => {
    const at = row.fingerprint.indexOf(CATALOG);
    return {
      fingerprint: at < 0 ? row.fingerprint : row.fingerprint.slice(0, at),
      catalog: at < 0 ? null : row.fingerprint.slice(at + CATALOG.length),
      version: row.version === null ? null : String(row.version),
      recordedAt: String(row.recorded_at),
    };
  };
  const ensure = (db: Queryable) =>
    db.exec(
      `create table if not exists ${table} (id ${t.key} not null primary key, fingerprint ${t.key} not null, ` +
        `version ${t.key}, recorded_at ${t.key} not null, encoding ${t.key} not null, snapshot ${t.text} not null)`,
    );

  return {
    async readFingerprint(db) {
      const row = await readRow(db, "fingerprint, version, recorded_at");
      return row === null ? null : fingerprintOfRow(row);
    },

    async read(db) {
      const row = await readRow(db, "fingerprint, version, recorded_at, encoding, snapshot");
      if (row === null) return null;
      const { catalog: _, ...recorded } = fingerprintOfRow(row);
      return { ...recorded, snapshot: decodeSnapshot(String(row.encoding), String(row.snapshot)) };
    },

    ensure,

    async write(db, snapshot, version, recordedAt, catalog = null) {
      await ensure(db);
      const { fingerprint, encoding, text } = await encodeSnapshot(snapshot);
      const values = [CURRENT, catalog === null ? fingerprint : `${fingerprint}${CATALOG}${catalog}`, version, recordedAt, encoding, text];
      if (upsert === null) {
        await db.query(`delete from ${table} where id = ?`, [CURRENT]);
        await db.query(insert, values);
      } else {
        await db.query(upsert, values);
      }
      return { fingerprint, snapshot, version, recordedAt };
    },
  };
}
