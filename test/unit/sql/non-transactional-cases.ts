// Statements and whether PostgreSQL refuses them inside a transaction block. Used by the unit
// test and, against a real server, by split-engines.test.ts (objects from NON_TRANSACTIONAL_SETUP).

export const NON_TRANSACTIONAL_SETUP = [
  "CREATE TABLE t (a int)",
  "CREATE INDEX t_a ON t (a)",
  "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x",
  "CREATE UNIQUE INDEX mv_x ON mv (x)",
  "CREATE TABLE p (a int) PARTITION BY RANGE (a)",
  "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10)",
  "CREATE TYPE e AS ENUM ('a')",
];

export interface NonTransactionalCase {
  readonly sql: string;
  /** The reason's subject (`<subject> cannot run inside a transaction block`), or null. */
  readonly refused: string | null;
  /** Checked against the server too (false where the check needs objects a test cannot make). */
  readonly server: boolean;
}

const row = (sql: string, refused: string | null, server = true): NonTransactionalCase => ({ sql, refused, server });

export const NON_TRANSACTIONAL_CASES: readonly NonTransactionalCase[] = [
  row("CREATE INDEX CONCURRENTLY i1 ON t (a)", "CREATE INDEX CONCURRENTLY"),
  row("create unique index concurrently if not exists i2 on t (a)", "CREATE INDEX CONCURRENTLY"),
  row("-- build it online\n/* really */ CREATE INDEX CONCURRENTLY i3 ON t (a)", "CREATE INDEX CONCURRENTLY"),
  row("CREATE INDEX i4 ON t (a)", null),
  row('CREATE INDEX "concurrently" ON t (a)', null),
  row("DROP INDEX CONCURRENTLY t_a", "DROP INDEX CONCURRENTLY"),
  row("drop index concurrently if exists nope", "DROP INDEX CONCURRENTLY"),
  row("DROP INDEX t_a", null),
  row("REINDEX INDEX CONCURRENTLY t_a", "REINDEX CONCURRENTLY"),
  row("REINDEX TABLE CONCURRENTLY t", "REINDEX CONCURRENTLY"),
  row("REINDEX (CONCURRENTLY) TABLE t", "REINDEX CONCURRENTLY"),
  row("REINDEX (VERBOSE, CONCURRENTLY true) TABLE t", "REINDEX CONCURRENTLY"),
  row("REINDEX (CONCURRENTLY false) TABLE t", null),
  row("REINDEX (VERBOSE) TABLE t", null),
  row("REINDEX TABLE t", null),
  row("REINDEX SCHEMA public", "REINDEX SCHEMA"),
  row("REINDEX SCHEMA CONCURRENTLY public", "REINDEX CONCURRENTLY"),
  row("REINDEX DATABASE stratum_tx_check", "REINDEX DATABASE"),
  row("REINDEX SYSTEM stratum_tx_check", "REINDEX SYSTEM"),
  row("VACUUM", "VACUUM"),
  row("vacuum (analyze, verbose) t", "VACUUM"),
  row("VACUUM FULL t", "VACUUM"),
  row("ANALYZE t", null),
  row("CLUSTER", "CLUSTER without a table name"),
  row("CLUSTER VERBOSE", "CLUSTER without a table name"),
  row("CLUSTER t USING t_a", null),
  row("CREATE DATABASE stratum_never", "CREATE DATABASE"),
  row("DROP DATABASE IF EXISTS stratum_never", "DROP DATABASE"),
  row("ALTER DATABASE stratum_tx_check SET TABLESPACE pg_default", "ALTER DATABASE SET TABLESPACE"),
  row("ALTER DATABASE stratum_tx_check SET work_mem = '4MB'", null),
  row("ALTER SYSTEM SET work_mem = '4MB'", "ALTER SYSTEM"),
  row("CREATE TABLESPACE ts LOCATION '/nonexistent'", "CREATE TABLESPACE"),
  row("DROP TABLESPACE IF EXISTS nope", "DROP TABLESPACE"),
  row("ALTER TABLESPACE pg_default SET (seq_page_cost = 1)", null),
  row("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", null),
  row("REFRESH MATERIALIZED VIEW mv", null),
  row("DISCARD ALL", "DISCARD ALL"),
  row("DISCARD PLANS", null),
  row("COMMIT PREPARED 'x'", "COMMIT PREPARED"),
  row("ROLLBACK PREPARED 'x'", "ROLLBACK PREPARED"),
  row("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "ALTER TABLE ... DETACH CONCURRENTLY"),
  row("ALTER TABLE p DETACH PARTITION p1", null),
  row("ALTER TYPE e ADD VALUE 'b'", null),
  row("CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION pub", "CREATE SUBSCRIPTION ... WITH (create_slot = true)"),
  row("CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION pub WITH (connect = false)", null),
  row("CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION pub WITH (create_slot = false, enabled = false)", null, false),
  row("DROP SUBSCRIPTION s", "DROP SUBSCRIPTION", false),
  row("ALTER SUBSCRIPTION s REFRESH PUBLICATION", "ALTER SUBSCRIPTION ... REFRESH", false),
  row("ALTER SUBSCRIPTION s SET PUBLICATION a, b", "ALTER SUBSCRIPTION with refresh", false),
  row("ALTER SUBSCRIPTION s ADD PUBLICATION a WITH (refresh = false)", null, false),
  row("LOCK TABLE t", null),
  row("SELECT 'VACUUM'", null),
  row("INSERT INTO t VALUES (1)", null),
];
