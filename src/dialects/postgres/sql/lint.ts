// PostgreSQL lint: what one statement does, read from the parse tree the table read already made
// (parse-tree-tables.ts `parsedStatements`: one parse per statement), and the rules on locks and
// rewrites only PostgreSQL has.

import { SHARED_RULE_IDS } from "../../../core/lint/rules.js";
import type { DialectLint, LintHit, LintRule, StatementLint } from "../../../core/lint/types.js";
import type { StatementFacts } from "../../../core/sql-facts.js";
import { headWord } from "../../../sql/lint/words.js";
import { parsedStatements } from "./parse-tree-tables.js";

const rule = (id: string, severity: LintRule["severity"], happens: string, fix: string): LintRule => ({ id, severity, happens, fix });

const RULES: readonly LintRule[] = [
  rule("add-index-not-concurrently", "error", "CREATE INDEX on an existing table blocks every write to it (SHARE lock) for as long as the index takes to build", "use CREATE INDEX CONCURRENTLY, in a migration of its own (it runs outside a transaction)"),
  rule("drop-index-not-concurrently", "warning", "DROP INDEX takes an ACCESS EXCLUSIVE lock on its table, blocking reads and writes while it waits for running queries", "use DROP INDEX CONCURRENTLY, in a migration of its own"),
  rule("alter-column-type-rewrite", "error", "changing a column's type rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, blocking reads and writes throughout", "add a column of the new type, backfill it in batches, switch the application over, then drop the old column"),
  rule("add-column-volatile-default", "error", "ADD COLUMN with a volatile default (or a serial, identity or stored generated column) rewrites the whole table under an ACCESS EXCLUSIVE lock", "add the column without a default (or with a constant one), set the default after, and backfill in batches"),
  rule("add-foreign-key-without-not-valid", "error", "adding a foreign key checks every existing row while holding locks on both tables that block writes", "add it with NOT VALID, then run ALTER TABLE … VALIDATE CONSTRAINT in a later statement or migration"),
  rule("add-check-without-not-valid", "error", "adding a CHECK constraint scans every row under an ACCESS EXCLUSIVE lock, blocking reads and writes", "add it with NOT VALID, then run ALTER TABLE … VALIDATE CONSTRAINT in a later statement or migration"),
  rule("add-unique-without-index", "error", "adding a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS EXCLUSIVE lock, blocking reads and writes throughout", "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX"),
  rule("detach-partition-not-concurrently", "error", "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table, blocking reads and writes of every partition", "use ALTER TABLE … DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+), in a migration of its own"),
  rule("vacuum-full", "error", "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes throughout", "use plain VACUUM, or pg_repack, outside migrations"),
  rule("cluster", "error", "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes throughout", "use pg_repack outside migrations, or leave the physical order alone"),
  rule("reindex-not-concurrently", "error", "REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index) while it rebuilds", "use REINDEX … CONCURRENTLY (PostgreSQL 12+), in a migration of its own"),
  rule("require-lock-timeout", "warning", "this statement waits for an ACCESS EXCLUSIVE lock with no lock_timeout, and every query on the table queues behind it while it waits", "SET lock_timeout (e.g. '5s') at the top of the migration, or configure migrationLockTimeout, and retry on timeout"),
];

/** Volatile functions: a default calling one is evaluated per row, which rewrites the table. */
const VOLATILE = new Set(["random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "nextval", "txid_current"]);
/** Target types to which a change keeps the bytes (binary-coercible from the usual source types). */
const NO_REWRITE_TYPES = new Set(["text", "varchar", "citext"]);
const SERIAL = new Set(["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"]);
const NARROW_TYPES = new Set(["int2", "int4", "float4", "bool", "char", "bpchar", "varchar", "numeric"]);
const TABLE_OBJECTS = new Set(["OBJECT_TABLE", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"]);

type Fields = Record<string, unknown>;
const isFields = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v);
const field = (v: unknown, key: string): Fields => (isFields(v) && isFields(v[key]) ? v[key] : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function relName(range: unknown): string {
  const r = isFields(range) && isFields(range["RangeVar"]) ? range["RangeVar"] : range;
  if (!isFields(r) || typeof r["relname"] !== "string") return "";
  return [r["schemaname"], r["relname"]].filter((p): p is string => typeof p === "string" && p !== "").join(".").toLowerCase();
}

function names(v: unknown): string[] {
  const items = isFields(v) && isFields(v["List"]) ? list(v["List"]["items"]) : list(v);
  return items.map((i) => (isFields(i) && isFields(i["String"]) ? String(i["String"]["sval"]) : "")).filter((n) => n !== "");
}

function lastTypeName(typeName: unknown): { name: string; mods: boolean } {
  const t = isFields(typeName) ? typeName : {};
  const parts = names(t["names"]);
  return { name: (parts.at(-1) ?? "").toLowerCase(), mods: list(t["typmods"]).length > 0 };
}

/** Reads one statement's parse tree; a statement the parser cannot read gives no hits. */
/** Statements (by first word) that no rule concerns are not parsed for lint: INSERT, SELECT, GRANT, … */
const READ = new Set(["ALTER", "CREATE", "DROP", "TRUNCATE", "DELETE", "UPDATE", "VACUUM", "CLUSTER", "REINDEX", "SET", "WITH"]);

export function postgresStatementLint(facts: StatementFacts): StatementLint {
  const head = headWord(facts.text);
  // CREATE: only an index concerns lint (the table read parses the others, for what they create)
  if (!READ.has(head) || (head === "CREATE" && !/^\s*create\s+(unique\s+)?index\b/i.test(facts.text.replace(/^(\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "")))) return { hits: [] };
  const stmts = parsedStatements(facts.text);
  if (stmts === null) return { hits: [] };
  const hits: LintHit[] = [];
  let setsLockTimeout = false;
  const validates: string[] = [];
  for (const raw of stmts) {
    const node = raw.stmt;
    if (!isFields(node)) continue;
    const [type, value] = Object.entries(node)[0] ?? ["", {}];
    const f = isFields(value) ? value : {};
    if (type === "VariableSetStmt" && String(f["name"]).toLowerCase() === "lock_timeout") setsLockTimeout = true;
    if (type === "AlterTableStmt") validates.push(...alterTable(f, hits));
    else readOther(type, f, hits);
  }
  return { hits, setsLockTimeout, validates, dml: false };
}

const lockHit = (table: string): LintHit => ({ rule: "require-lock-timeout", table, subject: `table ${table}`, unlessLockTimeout: true });

/** ALTER TABLE: each command; returns the tables it validates a constraint on. */
function alterTable(f: Fields, hits: LintHit[]): string[] {
  if (!TABLE_OBJECTS.has(String(f["objtype"]))) return [];
  const table = relName(f["relation"]);
  const validates: string[] = [];
  let strongLock = false;
  for (const item of list(f["cmds"])) {
    const cmd = field(item, "AlterTableCmd");
    const sub = String(cmd["subtype"]);
    const column = typeof cmd["name"] === "string" ? `${table}.${cmd["name"]}` : table;
    if (sub === "AT_ValidateConstraint") {
      validates.push(table);
      continue;
    }
    if (sub === "AT_DetachPartition") {
      // CONCURRENTLY takes a SHARE UPDATE EXCLUSIVE lock only
      if (field(cmd["def"], "PartitionCmd")["concurrent"] === true) continue;
      hits.push({ rule: "detach-partition-not-concurrently", table, subject: `table ${table}` });
    }
    strongLock = true;
    switch (sub) {
      case "AT_DropColumn":
        hits.push({ rule: "drop-column", table, subject: `column ${column}` });
        break;
      case "AT_SetNotNull":
        hits.push({ rule: "set-not-null", table, subject: `column ${column}`, unlessValidated: true });
        break;
      case "AT_AlterColumnType": {
        const type = lastTypeName(field(cmd["def"], "ColumnDef")["typeName"]);
        if (type.mods || NARROW_TYPES.has(type.name)) hits.push({ rule: "narrowing-type-change", table, subject: `column ${column}` });
        // a length or precision (varchar(20), numeric(10,2)) is checked row by row: the server rewrites the table
        if (!NO_REWRITE_TYPES.has(type.name) || type.mods) hits.push({ rule: "alter-column-type-rewrite", table, subject: `column ${column}` });
        break;
      }
      case "AT_AddColumn":
        addColumn(table, field(cmd["def"], "ColumnDef"), hits);
        break;
      case "AT_AddConstraint":
        addConstraint(table, field(cmd["def"], "Constraint"), hits);
        break;
      default:
        break;
    }
  }
  if (strongLock) hits.push(lockHit(table));
  return validates;
}

function addColumn(table: string, def: Fields, hits: LintHit[]): void {
  const constraints = list(def["constraints"]).map((c) => field(c, "Constraint"));
  const kinds = new Set(constraints.map((c) => String(c["contype"])));
  const subject = `column ${table}.${String(def["colname"])}`;
  const fills = kinds.has("CONSTR_DEFAULT") || kinds.has("CONSTR_IDENTITY") || kinds.has("CONSTR_GENERATED");
  if ((kinds.has("CONSTR_NOTNULL") || kinds.has("CONSTR_PRIMARY")) && !fills) hits.push({ rule: "add-not-null-column-without-default", table, subject });
  const fallback = constraints.find((c) => c["contype"] === "CONSTR_DEFAULT");
  if (fallback !== undefined && callsVolatile(fallback["raw_expr"])) hits.push({ rule: "add-column-volatile-default", table, subject });
  // values computed per row: a serial, an identity or a stored generated column rewrites the table too
  const computed = kinds.has("CONSTR_GENERATED") || kinds.has("CONSTR_IDENTITY") || SERIAL.has(lastTypeName(def["typeName"]).name);
  if (computed && !(fallback !== undefined && callsVolatile(fallback["raw_expr"]))) hits.push({ rule: "add-column-volatile-default", table, subject });
  if (kinds.has("CONSTR_UNIQUE") || kinds.has("CONSTR_PRIMARY")) hits.push({ rule: "add-unique-without-index", table, subject });
  if (kinds.has("CONSTR_FOREIGN")) hits.push({ rule: "add-foreign-key-without-not-valid", table, subject });
}

/** Whether an expression calls a volatile function (or `nextval`) anywhere. */
function callsVolatile(expr: unknown): boolean {
  const stack: unknown[] = [expr];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (isFields(node)) {
      if (isFields(node["FuncCall"]) && VOLATILE.has((names(node["FuncCall"]["funcname"]).at(-1) ?? "").toLowerCase())) return true;
      stack.push(...Object.values(node));
    }
  }
  return false;
}

function addConstraint(table: string, c: Fields, hits: LintHit[]): void {
  const subject = `table ${table}`;
  const notValid = c["skip_validation"] === true;
  switch (String(c["contype"])) {
    case "CONSTR_FOREIGN":
      if (!notValid) hits.push({ rule: "add-foreign-key-without-not-valid", table, subject });
      break;
    case "CONSTR_CHECK":
      if (!notValid) hits.push({ rule: "add-check-without-not-valid", table, subject });
      break;
    case "CONSTR_UNIQUE":
    case "CONSTR_PRIMARY":
    case "CONSTR_EXCLUSION":
      if (typeof c["indexname"] !== "string") hits.push({ rule: "add-unique-without-index", table, subject });
      break;
    default:
      break;
  }
}

function readOther(type: string, f: Fields, hits: LintHit[]): void {
  switch (type) {
    case "IndexStmt": {
      const table = relName(f["relation"]);
      if (f["concurrent"] !== true) hits.push({ rule: "add-index-not-concurrently", table, subject: `table ${table}` });
      break;
    }
    case "DropStmt":
      readDrop(f, hits);
      break;
    case "TruncateStmt":
      for (const r of list(f["relations"])) {
        const table = relName(r);
        hits.push({ rule: "truncate", table, subject: `table ${table}` }, lockHit(table));
      }
      break;
    case "DeleteStmt":
    case "UpdateStmt": {
      const table = relName(f["relation"]);
      if (f["whereClause"] === undefined) hits.push({ rule: type === "DeleteStmt" ? "delete-without-where" : "update-without-where", table, subject: `table ${table}` });
      break;
    }
    case "RenameStmt": {
      const renamed = String(f["renameType"]);
      const table = relName(f["relation"]);
      if (renamed === "OBJECT_COLUMN") hits.push({ rule: "rename-column", table, subject: `column ${table}.${String(f["subname"])}` }, lockHit(table));
      else if (TABLE_OBJECTS.has(renamed)) hits.push({ rule: "rename-table", table, subject: `table ${table}` }, lockHit(table));
      break;
    }
    case "VacuumStmt":
      if (list(f["options"]).some((o) => field(o, "DefElem")["defname"] === "full")) {
        for (const r of list(f["rels"])) {
          const table = relName(field(r, "VacuumRelation")["relation"]);
          hits.push({ rule: "vacuum-full", table, subject: `table ${table}` });
        }
      }
      break;
    case "ClusterStmt": {
      const table = relName(f["relation"]);
      hits.push({ rule: "cluster", table, subject: `table ${table}` });
      break;
    }
    case "ReindexStmt": {
      const concurrent = list(f["params"]).some((o) => field(o, "DefElem")["defname"] === "concurrently");
      const table = relName(f["relation"]);
      if (!concurrent) hits.push(table === "" ? { rule: "reindex-not-concurrently" } : { rule: "reindex-not-concurrently", table, subject: `table ${table}` });
      break;
    }
    case "DropdbStmt":
      hits.push({ rule: "drop-database", subject: `database ${String(f["dbname"])}` });
      break;
    default:
      break;
  }
}

function readDrop(f: Fields, hits: LintHit[]): void {
  const removed = String(f["removeType"]);
  for (const object of list(f["objects"])) {
    if (TABLE_OBJECTS.has(removed)) {
      const table = names(object).join(".").toLowerCase();
      hits.push({ rule: "drop-table", table, subject: `table ${table}` }, lockHit(table));
    } else if (removed === "OBJECT_SCHEMA") {
      const schema = isFields(object) && isFields(object["String"]) ? String(object["String"]["sval"]) : names(object).join(".");
      hits.push({ rule: "drop-schema", subject: `schema ${schema}` });
    } else if (removed === "OBJECT_INDEX" && f["concurrent"] !== true) {
      hits.push({ rule: "drop-index-not-concurrently", subject: `index ${names(object).join(".")}` });
    }
  }
}

export const postgresLint: DialectLint = {
  rules: RULES,
  ruleIds: [...SHARED_RULE_IDS, ...RULES.map((r) => r.id)],
  statement: postgresStatementLint,
};
