// PostgreSQL: which tables a statement touches, from the server's own parse tree (libpg-query,
// loaded on first use). A statement the parser rejects is read from its tokens instead.

import { mergeTableUses, type TableUse } from "../../../core/sql-facts.js";
import { type Category, type TableSets, tableSets, withoutCtes } from "../../../sql/tables/table-sets.js";

type Parser = typeof import("libpg-query");

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/** Loads the parser (once); until then `tablesFromParseTree` returns null. */
export function loadParser(): Promise<void> {
  loading ??= (async () => {
    const module = await import("libpg-query");
    await module.loadModule();
    parser = module;
  })();
  return loading;
}

/**
 * The tables one statement touches, in parse-tree order (which may differ from the token read's
 * order of appearance); null when the parser is not loaded or rejects the statement.
 */
export function tablesFromParseTree(statement: string): TableUse | null {
  const stmts = parsedStatements(statement);
  if (stmts === null) return null;
  if (stmts.length === 1) return readParseTree(stmts[0]?.stmt);
  return mergeTableUses(stmts.map((raw) => readParseTree(raw.stmt)));
}

/** The statements' trees of the last texts parsed: the table read and lint share one parse. */
const parsed = new Map<string, readonly { stmt?: unknown }[] | null>();
const KEEP = 512;

/**
 * The parse tree of a statement's text (`stmts`), parsed once for the table read and lint; null
 * when the parser is not loaded or rejects the text.
 */
export function parsedStatements(statement: string): readonly { stmt?: unknown }[] | null {
  if (parser === null) return null;
  const known = parsed.get(statement);
  if (known !== undefined) return known;
  let stmts: readonly { stmt?: unknown }[] | null;
  try {
    stmts = (parser.parseSync(statement) as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  } catch {
    stmts = null;
  }
  if (parsed.size >= KEEP) parsed.clear();
  parsed.set(statement, stmts);
  return stmts;
}

type Fields = Record<string, unknown>;

const TABLE_OBJECTS = new Set(["OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"]);
const ON_TABLE_OBJECTS = new Set(["OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"]);
/** Statements that name tables without touching their data or definition (as in the token read). */
const IGNORED_NODES = new Set(["GrantStmt", "LockStmt", "VacuumStmt", "ClusterStmt", "ReindexStmt", "AlterOwnerStmt"]);

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A RangeVar's fields (bare, or wrapped as `{ RangeVar: … }`), or null. */
function rangeVar(value: unknown): Fields | null {
  if (!isFields(value)) return null;
  if (typeof value["relname"] === "string") return value;
  const inner = value["RangeVar"];
  return isFields(inner) && typeof inner["relname"] === "string" ? inner : null;
}

function rangeVarName(range: Fields): string {
  return [range["catalogname"], range["schemaname"], range["relname"]]
    .filter((part): part is string => typeof part === "string" && part !== "")
    .join(".")
    .toLowerCase();
}

/** `[{ String: { sval } }, …]` (a qualified name as the parser lists it) joined with dots. */
function nameFromList(list: unknown, dropLast = false): string | null {
  const items = isFields(list) && isFields(list["List"]) ? list["List"]["items"] : list;
  if (!Array.isArray(items)) return null;
  const parts = items.map((item) => (isFields(item) && isFields(item["String"]) ? item["String"]["sval"] : undefined));
  if (dropLast) parts.pop();
  if (parts.length === 0 || parts.some((part) => typeof part !== "string")) return null;
  return (parts as string[]).join(".").toLowerCase();
}

function readParseTree(root: unknown): TableUse {
  const local = tableSets();
  const ctes = new Set<string>();
  const claimed = new Set<Fields>();
  const claim = (value: unknown, category: Category | null): void => {
    const range = rangeVar(value);
    if (range === null) return;
    claimed.add(range);
    if (category !== null) local.add(category, rangeVarName(range));
  };

  // An explicit stack: deeply nested expressions must not overflow the call stack.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    // Children are pushed last-first so that names come out in the order they are written.
    if (Array.isArray(node)) {
      for (let k = node.length - 1; k >= 0; k--) stack.push(node[k]);
      continue;
    }
    if (!isFields(node)) continue;
    if (typeof node["relname"] === "string") {
      if (!claimed.has(node)) local.add("reads", rangeVarName(node));
      continue;
    }
    const entries = Object.entries(node);
    for (const [type, value] of entries) {
      if (!IGNORED_NODES.has(type) && isFields(value)) readNode(type, value, local, ctes, claim);
    }
    for (let k = entries.length - 1; k >= 0; k--) {
      const [type, value] = entries[k] as [string, unknown];
      if (!IGNORED_NODES.has(type)) stack.push(value);
    }
  }
  return withoutCtes(local, ctes);
}

/** Statements that create, alter, rename or drop tables (the rest: `readOtherNode`). */
function readNode(
  type: string,
  f: Fields,
  local: TableSets,
  ctes: Set<string>,
  claim: (value: unknown, category: Category | null) => void,
): void {
  switch (type) {
    case "CreateStmt":
      claim(f["relation"], "creates");
      break;
    case "CreateTableAsStmt": {
      const into = f["into"];
      if (isFields(into)) claim(into["rel"], TABLE_OBJECTS.has(String(f["objtype"])) ? "creates" : null);
      break;
    }
    case "ViewStmt":
      claim(f["view"], "creates");
      break;
    case "IndexStmt":
    case "CreateTrigStmt":
    case "RuleStmt":
      claim(f["relation"], "alters");
      break;
    case "CreatePolicyStmt":
      claim(f["table"], "alters");
      break;
    case "AlterTableStmt":
      claim(f["relation"], TABLE_OBJECTS.has(String(f["objtype"])) ? "alters" : null);
      break;
    case "RenameStmt": {
      const renamed = String(f["renameType"]);
      if (TABLE_OBJECTS.has(renamed)) {
        claim(f["relation"], "alters");
        if (typeof f["newname"] === "string") local.add("creates", f["newname"].toLowerCase());
      } else if ((renamed === "OBJECT_COLUMN" || renamed === "OBJECT_TABCONSTRAINT") && TABLE_OBJECTS.has(String(f["relationType"]))) {
        claim(f["relation"], "alters");
      } else {
        claim(f["relation"], null);
      }
      break;
    }
    case "DropStmt": {
      const removed = String(f["removeType"]);
      const objects = Array.isArray(f["objects"]) ? f["objects"] : [];
      for (const object of objects) {
        if (TABLE_OBJECTS.has(removed)) {
          const name = nameFromList(object);
          if (name !== null) local.add("drops", name);
        } else if (ON_TABLE_OBJECTS.has(removed)) {
          const name = nameFromList(object, true);
          if (name !== null) local.add("alters", name);
        }
      }
      break;
    }
    default:
      readOtherNode(type, f, local, ctes, claim);
  }
}

/** Statements that write or read data, and the others that name tables. */
function readOtherNode(
  type: string,
  f: Fields,
  local: TableSets,
  ctes: Set<string>,
  claim: (value: unknown, category: Category | null) => void,
): void {
  switch (type) {
    case "InsertStmt":
    case "UpdateStmt":
    case "DeleteStmt":
    case "MergeStmt":
      claim(f["relation"], "writes");
      break;
    case "TruncateStmt":
      if (Array.isArray(f["relations"])) for (const relation of f["relations"]) claim(relation, "writes");
      break;
    case "CopyStmt":
      claim(f["relation"], f["is_from"] === true ? "writes" : "reads");
      break;
    case "SelectStmt": {
      const into = f["intoClause"];
      if (isFields(into)) claim(into["rel"], "creates");
      break;
    }
    case "PartitionCmd":
      claim(f["name"], "alters");
      break;
    case "RefreshMatViewStmt":
      claim(f["relation"], "writes");
      break;
    case "AlterObjectSchemaStmt": {
      const range = rangeVar(f["relation"]);
      if (range !== null && TABLE_OBJECTS.has(String(f["objectType"])) && typeof f["newschema"] === "string") {
        claim(range, "alters");
        local.add("creates", `${f["newschema"]}.${String(range["relname"])}`.toLowerCase());
      } else {
        claim(f["relation"], null);
      }
      break;
    }
    case "CommentStmt":
      if (TABLE_OBJECTS.has(String(f["objtype"]))) {
        const name = nameFromList(f["object"]);
        if (name !== null) local.add("alters", name);
      }
      break;
    case "CommonTableExpr":
      if (typeof f["ctename"] === "string") ctes.add(f["ctename"].toLowerCase());
      break;
    default:
      break;
  }
}
