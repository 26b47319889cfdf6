// The rules every dialect shares: destructive changes, changes that break the running
// application, and migration hygiene. Each dialect adds its own (locks, rewrites, rebuilds).

import type { LintRule } from "./types.js";

const rule = (id: string, severity: LintRule["severity"], happens: string, fix: string): LintRule => ({ id, severity, happens, fix });

export const SHARED_RULES: readonly LintRule[] = [
  // destructive
  rule("drop-table", "error", "dropping an existing table deletes its rows for good, and the running application fails on its next query of it", "stop reading and writing the table in a release first (expand/contract), keep a backup, then drop it in a later migration with a lint-ignore stating why"),
  rule("drop-column", "error", "dropping a column deletes its data for good, and the running application fails while it still selects or inserts the column", "stop using the column in the application first (expand/contract), deploy, then drop it in a later migration"),
  rule("drop-schema", "error", "dropping a schema deletes every object and row in it for good", "move what must survive out of the schema first, and drop it with a lint-ignore stating why"),
  rule("drop-database", "error", "dropping a database deletes everything in it for good", "do not drop databases from a migration; do it by hand with a backup at hand"),
  rule("truncate", "error", "TRUNCATE deletes every row of an existing table for good (and takes an exclusive lock)", "delete the rows you mean with a WHERE clause, in batches, or add a lint-ignore stating why every row must go"),
  rule("delete-without-where", "error", "DELETE without WHERE deletes every row of the table, in one long transaction that holds row locks on all of them", "add the WHERE clause you mean, and delete in batches"),
  rule("update-without-where", "error", "UPDATE without WHERE rewrites every row of the table in one long transaction that locks all of them", "add the WHERE clause you mean, and update in batches"),
  rule("narrowing-type-change", "warning", "changing a column to a type with a length, precision or a smaller range fails on, or truncates, existing values that do not fit", "add a new column of the new type, backfill and check it, then switch the application over (expand/contract)"),
  rule("down-drops-uncreated", "error", "the down section drops a table its up did not create, so a rollback deletes data that existed before the migration", "make the down undo only what the up did, or mark the migration -- stratum:irreversible"),
  // breaking the running application
  rule("rename-column", "error", "renaming a column breaks every running instance of the application that still uses the old name, until it is redeployed", "add the new column, write both, backfill, move reads over, then drop the old one (expand/contract), or use a view"),
  rule("rename-table", "error", "renaming a table breaks every running instance of the application that still uses the old name, until it is redeployed", "create the new table (or a view with the new name), move the application over, then drop the old name later"),
  rule("set-not-null", "warning", "making an existing column NOT NULL fails inserts from running application code that leaves it empty, and checks every row while holding a lock", "deploy code that always writes the column and backfill first; on PostgreSQL add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL"),
  rule("add-not-null-column-without-default", "error", "adding a NOT NULL column without a default fails on a table that has rows, and fails inserts from running code that does not know the column", "add the column nullable (or with a default), backfill it, then make it NOT NULL"),
  // hygiene
  rule("missing-down", "warning", "the migration only creates things, yet has no down section, so it cannot be rolled back", "add a -- migrate:down section that drops what the up creates, or mark the migration -- stratum:irreversible"),
  rule("transaction-off-multi-statement", "warning", "the migration runs without a transaction and holds several statements, so a failure halfway leaves it applied in part", "put each statement that must run outside a transaction in a migration of its own"),
  rule("transaction-control-in-transaction", "error", "a transaction control statement inside a migration Stratum runs in a transaction ends or breaks that transaction, so a failure no longer rolls the migration back", "remove the statement and let Stratum run the transaction, or declare -- stratum:transaction off"),
  rule("lint-ignore-invalid", "error", "a lint-ignore line without a known rule and a reason silences nothing", "write -- stratum:lint-ignore <rule> <reason>, with a rule id from docs/lint.md"),
];

/** The shared rules by id. */
export const SHARED_RULE_IDS: readonly string[] = SHARED_RULES.map((r) => r.id);
