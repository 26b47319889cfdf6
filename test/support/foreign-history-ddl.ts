// The history tables of the tools that do not install from npm or Debian (Flyway, golang-migrate,
// goose, Prisma, Atlas), as each tool's source creates them, per dialect; and the rows each tool
// writes. Used by the readers' integration test and the adopt end-to-end test.

import type { TargetName } from "./targets.js";

/**
 * flyway_schema_history as Flyway creates it: flyway-core …/database/sqlite/SQLiteDatabase.java,
 * flyway-database-postgresql …/PostgreSQLDatabase.java and flyway-mysql …/MySQLDatabase.java
 * getRawCreateScript; rows as JdbcTableSchemaHistory.doAddAppliedMigration inserts them
 * (installed_rank, version, description, type, script, checksum, installed_by, execution_time,
 * success), the checksum being ChecksumCalculator's CRC32 of the script.
 */
export function flywayDdl(target: TargetName, table: string): string[] {
  switch (target) {
    case "postgres":
      return [
        `CREATE TABLE ${table} ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`,
        `ALTER TABLE ${table} ADD CONSTRAINT "flyway_pk" PRIMARY KEY ("installed_rank")`,
      ];
    case "mysql":
      return [
        "CREATE TABLE `" + table + "` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_pk` PRIMARY KEY (`installed_rank`))",
      ];
    case "sqlite":
      return [
        `CREATE TABLE "${table}" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)`,
      ];
  }
}

/** Flyway's insert of one row (JdbcTableSchemaHistory.doAddAppliedMigration), `?` placeholders. */
export function flywayInsert(table: string): string {
  return `INSERT INTO ${table} (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
}

/**
 * golang-migrate's schema_migrations: database/postgres/postgres.go and database/mysql/mysql.go
 * ensureVersionTable (`version bigint not null primary key, dirty boolean not null`),
 * database/sqlite3/sqlite3.go (`version uint64, dirty bool` + unique index); SetVersion empties
 * the table and inserts the one row.
 */
export function golangMigrateDdl(target: TargetName): string[] {
  return target === "sqlite"
    ? ["CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool)", "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)"]
    : ["CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)"];
}

/** golang-migrate's SetVersion: the table emptied, then the one row. */
export const GOLANG_MIGRATE_SET_VERSION = ["DELETE FROM schema_migrations", "INSERT INTO schema_migrations (version, dirty) VALUES (?, ?)"] as const;

/** goose_db_version as pressly/goose internal/dialect/dialectquery/{postgres,mysql,sqlite3}.go create it. */
export function gooseDdl(target: TargetName): string {
  return target === "sqlite"
    ? "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))"
    : "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))";
}

/** goose's InsertVersion; its first row is version 0 (goose's own, EnsureDBVersion). */
export const GOOSE_INSERT = "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)";

/**
 * _prisma_migrations as prisma-engines creates it (schema-engine/connectors/sql-schema-connector
 * src/flavour/{postgres,mysql,sqlite}.rs create_migrations_table); rows as `migrate deploy`
 * writes them: started with no steps, then finished_at and applied_steps_count 1, or left
 * unfinished with the error in logs; `migrate resolve --rolled-back` sets rolled_back_at.
 */
export function prismaDdl(target: TargetName): string {
  switch (target) {
    case "postgres":
      return "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)";
    case "mysql":
      return "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at DATETIME(3), migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at DATETIME(3), started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
    case "sqlite":
      return `CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`;
  }
}

/** Prisma's insert of one attempt, `?` placeholders. */
export const PRISMA_INSERT =
  "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

/**
 * atlas_schema_revisions as Atlas's ent schema declares it (cmd/atlas/internal/migrate/ent/
 * migrate/schema.go: version string PK, description, type uint default 2, applied, total,
 * executed_at, execution_time int64, error, error_stmt, hash, partial_hashes json,
 * operator_version), in the schema atlas_schema_revisions on PostgreSQL; rows as
 * sql/migrate/migrate.go Executor.Execute writes them (hash = the file's atlas.sum entry).
 */
export function atlasDdl(target: TargetName): string[] {
  const cols = (text: string, time: string, json: string) =>
    `(version ${text} NOT NULL, description ${text} NOT NULL, type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at ${time} NOT NULL, execution_time bigint NOT NULL, error longtext NULL, error_stmt longtext NULL, hash ${text} NOT NULL, partial_hashes ${json} NULL, operator_version ${text} NOT NULL, PRIMARY KEY (version))`;
  switch (target) {
    case "postgres":
      return ["CREATE SCHEMA atlas_schema_revisions", `CREATE TABLE atlas_schema_revisions.atlas_schema_revisions ${cols("character varying", "timestamptz", "jsonb").replaceAll("longtext", "text")}`];
    case "mysql":
      return [`CREATE TABLE atlas_schema_revisions ${cols("varchar(255)", "timestamp", "json")} CHARSET utf8mb4 COLLATE utf8mb4_bin`];
    case "sqlite":
      return [`CREATE TABLE atlas_schema_revisions ${cols("text", "datetime", "json").replaceAll("longtext", "text").replaceAll("bigint", "integer")}`];
  }
}

/** The table Atlas writes to on the dialect (its own schema on PostgreSQL). */
export function atlasTable(target: TargetName): string {
  return target === "postgres" ? "atlas_schema_revisions.atlas_schema_revisions" : "atlas_schema_revisions";
}

/** Atlas's insert of one revision, `?` placeholders. */
export function atlasInsert(target: TargetName): string {
  return `INSERT INTO ${atlasTable(target)} (version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
}

/** A boolean as the dialect's test client binds it. */
export function boolFor(target: TargetName, value: boolean): boolean | number {
  return target === "postgres" ? value : value ? 1 : 0;
}
