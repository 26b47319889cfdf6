// Another tool's history table, read so `stratum adopt --from <tool>` can record the same applied
// set in Stratum's history. Readers only read: the other tool's table is never written.

import type { Queryable } from "../dialects/dialect.js";
import type { ForeignDialect } from "../dialects/foreign-catalog.js";

export type ForeignTool =
  | "flyway"
  | "golang-migrate"
  | "dbmate"
  | "goose"
  | "knex"
  | "node-pg-migrate"
  | "kysely"
  | "prisma"
  | "drizzle"
  | "sqitch"
  | "typeorm"
  | "sequelize"
  | "postgrator"
  | "atlas";

/** A checksum the other tool stored, in its own algorithm. */
export interface ForeignChecksum {
  readonly kind: "flyway-crc32" | "sha256" | "md5" | "atlas";
  /** As stored (Flyway: a signed 32-bit integer as text; the others: hex or base64 as stored). */
  readonly value: string;
}

/** One entry of the other tool's history, as it recorded it. */
export interface ForeignEntry {
  /**
   * What the tool keys the entry by, as stored: Flyway's `version` (`1.1`), golang-migrate's
   * `version` (`20240101120000`), Knex's `name` (`20240101120000_create_users.js`), Prisma's
   * `migration_name` (`20240101120000_init`), drizzle's `created_at` (the journal's `when`), …
   */
  readonly key: string;
  /** The version this entry speaks of, when the key carries one (leading digits, Flyway's dotted). */
  readonly version: string | null;
  /** A description or name the tool stored, if any. */
  readonly name: string | null;
  /** `applied`; `dirty`/`failed` refuse the adoption; `reverted` entries are not applied (skipped). */
  readonly state: "applied" | "dirty" | "failed" | "reverted";
  readonly checksum: ForeignChecksum | null;
  /** How a message names this entry: `flyway_schema_history installed_rank 3 (version 1.1)`. */
  readonly where: string;
  /** When the tool applied it, ISO 8601, if it stored that. */
  readonly appliedAt: string | null;
  /**
   * The entry stands for every version up to and including its own (golang-migrate's one row, the
   * last version applied; Flyway's and Atlas's baseline): each of our migrations with a version at
   * or below it counts as applied, none of them checksummed except the one of exactly its version
   * (when the entry stores a checksum). Absent: the entry speaks of its own migration only.
   */
  readonly upTo?: boolean;
  /**
   * A migration the tool re-runs whenever it changes, with no version (Flyway's `R__` scripts).
   * Stratum keeps no repeatable migrations: such an entry is not adopted (the adoption says so).
   */
  readonly repeatable?: boolean;
}

export interface ForeignTable {
  /** Schema (PostgreSQL) or database (MySQL); undefined for the connection's default. */
  readonly schema?: string | undefined;
  readonly name: string;
}

/**
 * Readers spell no dialect name (those live under src/dialects/): what differs per dialect
 * (quoting, what a schema is, a table's columns) comes from dialects/foreign-catalog.ts.
 */
export interface ForeignHistoryReader {
  readonly tool: ForeignTool;
  /** The table(s) the tool uses by default; the first that exists is read. */
  readonly defaultTables: readonly string[];
  readonly dialects: readonly ForeignDialect[];
  /**
   * Reads the entries, oldest first, collapsing repeated rows the way the tool does (goose: the
   * newest row per version wins). `null` when the table does not exist.
   */
  read(db: Queryable, dialect: ForeignDialect, table: ForeignTable): Promise<ForeignEntry[] | null>;
}
