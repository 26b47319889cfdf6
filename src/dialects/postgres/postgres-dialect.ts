// The PostgreSQL dialect: node-postgres (`pg`), loaded only when a connection is opened.

import type { ClientConfig } from "pg";
import { postgresSql } from "./sql/postgres-sql.js";
import type { Capabilities, Connection, Dialect, HistoryTypes, ServerClock } from "../dialect.js";
import { quotePostgresIdentifier } from "./identifier.js";
import { loadPg } from "./pg-driver.js";
import { findPgDump, pgDumpAvailable, runPgDump } from "./pg-dump.js";
import { postgresCommitRefused, postgresConnectionLost, postgresErrorPosition, postgresRetryable } from "./postgres-errors.js";
import { classifyClient, PostgresSessions, type UserClient } from "./sessions.js";
import { describeSchema } from "./describe-schema.js";
import { PostgresDescriptionMemo, catalogFingerprint } from "./describe-memo.js";
import { dumpSchema } from "./dump-schema.js";

export { pgDumpAvailable, findPgDump, quotePostgresIdentifier };

export interface PostgresDialectOptions {
  /** Connection settings for the clients we create (ignored for sessions when `client` is given). */
  readonly connection: ClientConfig;
  /** The URL with any password removed, for messages. */
  readonly displayUrl: string;
  /**
   * The schema for the history tables and the search_path; default: the session's current_schema().
   * It must exist: a connection to a database without it is refused (ConfigError).
   */
  readonly schema?: string | undefined;
  /** Where the schema setting came from (`--schema`, `"schema" in stratum.config.json`), for messages. */
  readonly schemaOrigin?: string | undefined;
  /** An existing pg.Pool or pg.Client the user passed (never ended by us). */
  readonly client?: unknown;
  /** How long connecting may take (default 10 000 ms). */
  readonly connectTimeoutMs?: number | undefined;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** now() is when the transaction began (the batch's BEGIN); clock_timestamp() moves on. */
const SERVER_CLOCK: ServerClock = {
  startedAt: `to_char(now() at time zone 'UTC', ${ISO_UTC})`,
  now: `to_char(clock_timestamp() at time zone 'UTC', ${ISO_UTC})`,
  elapsedMs: "round(extract(epoch from clock_timestamp() - now()) * 1000)::bigint",
};

const HISTORY_TYPES: HistoryTypes = {
  key: "varchar(255)",
  text: "text",
  integer: "integer",
  bigint: "bigint",
  autoId: "bigserial primary key",
  upsert: "on-conflict",
  writableCte: true,
};

function capabilitiesOf(userClient: UserClient | undefined): Capabilities {
  return {
    transactionalDdl: true,
    // One user-supplied client is one session: migrations cannot run beside each other on it.
    concurrentConnections: userClient?.kind !== "client",
    backup: true,
    batchRoundTrip: true,
    schemaIntrospection: true,
    headVersion: false,
    lockCapacity: true,
    settleWrites: true,
    sessionLoss: true,
    commitRefusal: true,
    environmentFixes: false,
  };
}

export function postgresDialect(options: PostgresDialectOptions): Dialect {
  const schema = options.schema === undefined || options.schema === "" ? undefined : options.schema;
  if (schema !== undefined) quotePostgresIdentifier(schema);
  const userClient = options.client === undefined || options.client === null ? undefined : classifyClient(options.client);
  const sessions = new PostgresSessions({
    connection: options.connection,
    displayUrl: options.displayUrl,
    schema,
    schemaOrigin: options.schemaOrigin,
    userClient,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  // verify describes its shadow three times per migration: the last descriptions are kept
  const described = new PostgresDescriptionMemo();

  const dialect: Dialect = {
    name: "postgres",
    capabilities: capabilitiesOf(userClient),
    historyTypes: HISTORY_TYPES,
    displayUrl: options.displayUrl,
    serverClock: SERVER_CLOCK,
    backupExtension: "dump",
    commitGuardNote: null,

    async connect(): Promise<Connection> {
      return sessions.connect(await loadPg());
    },

    sql: postgresSql,
    quoteIdentifier: quotePostgresIdentifier,

    qualifiedTable(name: string): string {
      const table = quotePostgresIdentifier(name);
      return schema === undefined ? table : `${quotePostgresIdentifier(schema)}.${table}`;
    },

    commitRefused: postgresCommitRefused,
    connectionLost: postgresConnectionLost,
    errorPosition: postgresErrorPosition,
    isRetryable: postgresRetryable,
    // the rehearsal's guard fails naming its constraint
    isCommitGuardFailure: () => false,

    async backup(file: string): Promise<string> {
      // Checked before connecting or loading anything: a missing pg_dump is the common failure.
      if (!(await pgDumpAvailable())) {
        return runPgDump({}, file, { displayUrl: options.displayUrl });
      }
      const pg = await loadPg();
      return runPgDump(await sessions.backupTarget(pg), file, { displayUrl: options.displayUrl });
    },

    async settleWrites(db, table) {
      await db.begin();
      try {
        // SHARE conflicts with the ROW EXCLUSIVE lock of any transaction that wrote the table
        await db.exec(`lock table ${table} in share mode`);
      } finally {
        await db.rollback();
      }
    },

    async transactionLockCapacity(db) {
      const rows = await db.query<{ capacity: string | number }>(
        "select current_setting('max_locks_per_transaction')::int * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int) as capacity",
      );
      const capacity = Number(rows[0]?.capacity);
      return Number.isFinite(capacity) ? capacity : null;
    },

    describeSchema: (db, describe) =>
      describeSchema(db, { ...describe, ...(options.schema === undefined ? {} : { schema: options.schema }) }, described),
    dumpSchema: (db, dump) => dumpSchema(db, { ...dump, ...(options.schema === undefined ? {} : { schema: options.schema }) }),
    catalogFingerprint: (db) => catalogFingerprint(db),

    dispose: () => sessions.dispose(),
  };
  return dialect;
}
