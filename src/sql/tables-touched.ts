// A light static read of which tables a script touches, for conflict detection between
// migrations: over the token stream of each statement (every dialect), or over PostgreSQL's own
// parse tree (libpg-query) with the token read as the fallback.

import type { DialectName } from "../core/types.js";
import { scanMysqlToken } from "./lexer-mysql.js";
import { scanPostgresToken } from "./lexer-postgres.js";
import { scanSqliteToken } from "./lexer-sqlite.js";
import { splitStatements } from "./split.js";
import { splitPostgres } from "./split-postgres.js";
import { newToken, type Token, type TokenKind } from "./token.js";

/** Table names (lower-cased, unquoted, `schema.table` when qualified), each list in order of first appearance. */
export interface TablesTouched {
  readonly creates: string[];
  readonly alters: string[];
  readonly drops: string[];
  readonly writes: string[];
  readonly reads: string[];
}

type Category = keyof TablesTouched;

/** Collects names per category, without duplicates, in order of first appearance. */
interface TableSets {
  add(category: Category, name: string): void;
  result(): TablesTouched;
}

function tableSets(): TableSets {
  const sets: Record<Category, Set<string>> = {
    creates: new Set(),
    alters: new Set(),
    drops: new Set(),
    writes: new Set(),
    reads: new Set(),
  };
  return {
    add: (category, name) => {
      sets[category].add(name);
    },
    result: () => ({
      creates: [...sets.creates],
      alters: [...sets.alters],
      drops: [...sets.drops],
      writes: [...sets.writes],
      reads: [...sets.reads],
    }),
  };
}

/** Which tables a script creates, alters (CREATE INDEX ON t included), drops, writes and reads. */
export function tablesTouched(dialect: DialectName, sql: string): TablesTouched {
  const sets = tableSets();
  for (const statement of splitStatements(dialect, sql)) readStatement(dialect, statement.text, sets);
  return sets.result();
}

// ---------------------------------------------------------------------------------------------
// The token read

interface Tok {
  readonly kind: TokenKind;
  /** Upper-cased word, or the punctuation character; "" for other kinds. */
  readonly upper: string;
  /** For words and quoted identifiers: the name, unquoted and lower-cased. */
  readonly name: string;
}

function significantTokens(dialect: DialectName, sql: string): Tok[] {
  const out: Tok[] = [];
  const tok = newToken();
  const n = sql.length;
  let pos = 0;
  while (pos < n) {
    scan(dialect, sql, pos, tok);
    pos = tok.end;
    switch (tok.kind) {
      case "space":
      case "line-comment":
      case "block-comment":
      case "exec-comment":
        break;
      case "word": {
        const text = sql.slice(tok.start, tok.end);
        out.push({ kind: "word", upper: text.toUpperCase(), name: text.toLowerCase() });
        break;
      }
      case "quoted":
        out.push({ kind: "quoted", upper: "", name: unquote(sql, tok).toLowerCase() });
        break;
      case "punct":
      case "semicolon":
        out.push({ kind: tok.kind, upper: sql.slice(tok.start, tok.end), name: "" });
        break;
      default:
        out.push({ kind: tok.kind, upper: "", name: "" });
    }
  }
  return out;
}

function scan(dialect: DialectName, sql: string, pos: number, tok: Token): void {
  if (dialect === "postgres") scanPostgresToken(sql, pos, tok);
  else if (dialect === "mysql") scanMysqlToken(sql, pos, tok);
  else scanSqliteToken(sql, pos, tok);
}

function unquote(sql: string, tok: Token): string {
  const open = sql[tok.start] as string;
  const close = open === "[" ? "]" : open;
  const end = tok.unterminated ? tok.end : tok.end - 1;
  const inner = sql.slice(tok.start + 1, end);
  return open === "[" ? inner : inner.split(close + close).join(close);
}

/** Words that end a name list or cannot be a table name where one is expected. */
const NOT_A_NAME = new Set([
  "AS", "ON", "SET", "USING", "WHERE", "VALUES", "SELECT", "DEFAULT", "FROM", "INTO", "JOIN", "LEFT", "RIGHT",
  "INNER", "OUTER", "CROSS", "FULL", "NATURAL", "LATERAL", "GROUP", "ORDER", "HAVING", "LIMIT", "UNION", "EXCEPT",
  "INTERSECT", "WINDOW", "RETURNING", "TO", "WITH", "WHEN", "THEN", "ELSE", "END", "OFFSET", "FETCH", "FOR",
  "CASCADE", "RESTRICT", "TABLESAMPLE", "STRAIGHT_JOIN", "PARTITION", "NOTHING",
]);

/** Words after which a statement starts inside a body (triggers, routines, rules, compound statements). */
const STARTS_STATEMENT = new Set(["BEGIN", "THEN", "ELSE", "DO", "ATOMIC", "LOOP", "REPEAT", "ROW"]);

/** Statements that name tables without touching their data or definition. */
const IGNORED_COMMANDS = new Set(["GRANT", "REVOKE", "FETCH", "MOVE", "CLOSE", "SHOW", "DESCRIBE", "DESC", "LOCK"]);

const CREATE_KINDS = new Set([
  "TABLE", "VIEW", "INDEX", "TRIGGER", "POLICY", "RULE", "FUNCTION", "PROCEDURE", "SEQUENCE", "SCHEMA",
  "DATABASE", "TYPE", "EXTENSION", "EVENT", "DOMAIN", "ROLE", "USER", "AGGREGATE", "OPERATOR", "PUBLICATION",
  "SUBSCRIPTION", "SERVER", "COLLATION", "STATISTICS", "TABLESPACE", "CAST", "LANGUAGE",
]);

type Paren = "subquery" | "cte" | "other";

/** A parenthesis followed by one of these holds a query or statement (a subquery, a rule's actions). */
const OPENS_QUERY = new Set(["SELECT", "WITH", "VALUES", "TABLE", "INSERT", "UPDATE", "DELETE", "MERGE"]);

/** Reads one statement's tokens into `sets`. */
function readStatement(dialect: DialectName, text: string, sets: TableSets): void {
  const t = significantTokens(dialect, text);
  const local = tableSets();
  const ctes = new Set<string>();
  const parens: Paren[] = [];
  // Set by readCte; the next `(` is the CTE's body, where a statement starts.
  let pendingCte = false;
  const at = (i: number): Tok | undefined => t[i];
  const upper = (i: number): string => t[i]?.upper ?? "";

  /** A possibly qualified name at i: `[ONLY] a[.b[.c]]`. Returns the name and the index after it. */
  const nameAt = (from: number): { name: string; next: number } | null => {
    let i = from;
    if (upper(i) === "ONLY") i++;
    const parts: string[] = [];
    for (;;) {
      const tok = at(i);
      if (tok === undefined || (tok.kind !== "word" && tok.kind !== "quoted")) break;
      if (tok.kind === "word" && parts.length === 0 && (NOT_A_NAME.has(tok.upper) || isNumber(tok.upper))) break;
      parts.push(tok.name);
      i++;
      if (upper(i) !== ".") break;
      i++;
    }
    if (parts.length === 0) return null;
    if (upper(i) === "*") i++; // PostgreSQL `t*`
    return { name: parts.join("."), next: i };
  };
  const add = (category: Category, name: string): void => local.add(category, name);
  const skipIfExists = (i: number): number => {
    if (upper(i) === "IF" && upper(i + 1) === "NOT" && upper(i + 2) === "EXISTS") return i + 3;
    if (upper(i) === "IF" && upper(i + 1) === "EXISTS") return i + 2;
    return i;
  };
  /** `name [, name …]` into `category`; returns the index after the list. */
  const nameList = (from: number, category: Category): number => {
    let i = from;
    for (;;) {
      const found = nameAt(i);
      if (found === null) return i;
      add(category, found.name);
      i = found.next;
      if (upper(i) !== ",") return i;
      i++;
    }
  };
  /** The first `word` at parenthesis depth 0 from `from`, or -1. */
  const findWord = (from: number, word: string, stopAt?: ReadonlySet<string>): number => {
    let depth = 0;
    for (let i = from; i < t.length; i++) {
      const u = upper(i);
      if (u === "(") depth++;
      else if (u === ")") depth--;
      else if (depth === 0 && u === word && at(i)?.kind === "word") return i;
      else if (depth === 0 && stopAt?.has(u)) return -1;
    }
    return -1;
  };
  /** Table references after FROM, JOIN or USING: `name [[AS] alias] [, …]`. */
  const tableRefs = (from: number, list: boolean): number => {
    let i = from;
    for (;;) {
      // `FROM (a JOIN b ON …)`: a parenthesised join is read like the FROM clause it is part of.
      while (upper(i) === "(" && !OPENS_QUERY.has(upper(i + 1))) {
        parens.push("subquery");
        i++;
      }
      if (upper(i) === "LATERAL") i++;
      const found = nameAt(i);
      if (found === null) return i;
      if (upper(found.next) === "(") return i; // a function call, e.g. generate_series(…)
      add("reads", found.name);
      i = found.next;
      if (upper(i) === "AS") i++;
      if (at(i)?.kind === "quoted" || (at(i)?.kind === "word" && !NOT_A_NAME.has(upper(i)) && !isClauseWord(upper(i)))) {
        i++;
        if (upper(i) === "(") {
          // An alias's column list: `AS x (c1, c2)`.
          const close = matchingParen(i);
          i = close === -1 ? t.length : close + 1;
        }
      }
      if (!list || upper(i) !== ",") return i;
      i++;
    }
  };

  let commandPosition = true;
  let i = 0;
  while (i < t.length) {
    const tok = t[i] as Tok;
    const u = tok.upper;
    if (tok.kind === "punct") {
      if (u === "(") {
        const next = upper(i + 1);
        const kind: Paren = pendingCte ? "cte" : OPENS_QUERY.has(next) ? "subquery" : "other";
        pendingCte = false;
        parens.push(kind);
        commandPosition = kind !== "other";
      } else if (u === ")") {
        const closed = parens.pop();
        commandPosition = false;
        if (closed === "cte") {
          if (upper(i + 1) === ",") {
            i = readCte(i + 2);
            continue;
          }
          commandPosition = true;
        }
      } else {
        commandPosition = false;
      }
      i++;
      continue;
    }
    if (tok.kind === "semicolon") {
      commandPosition = true;
      i++;
      continue;
    }
    if (tok.kind !== "word") {
      commandPosition = false;
      i++;
      continue;
    }
    const innermost = parens[parens.length - 1];
    const inQuery = innermost === undefined || innermost !== "other";
    if (commandPosition) {
      const next = command(i);
      if (next !== i) {
        i = next;
        commandPosition = u === "EXPLAIN"; // EXPLAIN [ANALYZE] <statement>
        continue;
      }
    }
    // Not `IS DISTINCT FROM x`, nor a partition bound `FOR VALUES FROM (…)`.
    if ((u === "FROM" && inQuery && upper(i - 1) !== "DISTINCT" && upper(i - 1) !== "VALUES") || u === "JOIN") {
      i = tableRefs(i + 1, u === "FROM");
      commandPosition = false;
      continue;
    }
    if (u === "INTO" && dialect === "postgres") {
      // SELECT … INTO [TEMP | UNLOGGED] [TABLE] new_table (INSERT and MERGE consume their INTO).
      let k = i + 1;
      while (["TEMP", "TEMPORARY", "UNLOGGED", "TABLE"].includes(upper(k))) k++;
      const found = nameAt(k);
      if (found !== null) add("creates", found.name);
      i = found?.next ?? k;
      continue;
    }
    if (u === "REFERENCES") {
      const found = nameAt(i + 1);
      if (found !== null) add("reads", found.name);
      i = found?.next ?? i + 1;
      continue;
    }
    commandPosition = STARTS_STATEMENT.has(u) || (commandPosition && (u === "INSTEAD" || u === "ALSO"));
    i++;
  }
  mergeInto(sets, local, ctes);

  // --- helpers that need the loop's state -----------------------------------------------------

  /** The index of the next `;` (inside a body), or the end: skips a statement that touches no tables. */
  function skipStatement(from: number): number {
    let i = from;
    while (i < t.length && at(i)?.kind !== "semicolon") i++;
    return i;
  }

  /** Handles a statement keyword at i; returns the index to continue from, or i when it is none. */
  function command(i0: number): number {
    const u = upper(i0);
    let i = i0 + 1;
    switch (u) {
      case "WITH":
        return readCte(upper(i) === "RECURSIVE" ? i + 1 : i);
      case "EXPLAIN":
        while (["ANALYZE", "VERBOSE", "QUERY", "PLAN", "EXTENDED", "FORMAT"].includes(upper(i))) i++;
        return i;
      case "INSERT":
      case "REPLACE": {
        while (["OR", "REPLACE", "IGNORE", "ROLLBACK", "ABORT", "FAIL", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"].includes(upper(i))) i++;
        if (upper(i) === "INTO") i++;
        const found = nameAt(i);
        if (found === null) return i;
        add("writes", found.name);
        return found.next;
      }
      case "UPDATE": {
        while (["OR", "ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE", "LOW_PRIORITY"].includes(upper(i))) i++;
        const found = nameAt(i);
        if (found === null) return i;
        add("writes", found.name);
        return found.next;
      }
      case "DELETE": {
        while (["LOW_PRIORITY", "QUICK", "IGNORE"].includes(upper(i))) i++;
        if (upper(i) !== "FROM") {
          // MySQL `DELETE t1, t2 FROM …`: the tables before FROM are written.
          const fromAt = findWord(i, "FROM", new Set(["WHERE", "WHEN", ";"]));
          if (fromAt === -1) return i;
          nameList(i, "writes");
          return fromAt;
        }
        const found = nameAt(i + 1);
        if (found === null) return i + 1;
        add("writes", found.name);
        i = found.next;
        if (upper(i) === "AS") i++;
        if (at(i)?.kind === "word" && !NOT_A_NAME.has(upper(i)) && !isClauseWord(upper(i))) i++;
        if (upper(i) === "USING") return tableRefs(i + 1, true);
        return i;
      }
      case "MERGE": {
        if (upper(i) === "INTO") i++;
        const found = nameAt(i);
        if (found === null) return i;
        add("writes", found.name);
        const usingAt = findWord(found.next, "USING");
        return usingAt === -1 ? found.next : tableRefs(usingAt + 1, false);
      }
      case "TRUNCATE":
        if (upper(i) === "TABLE") i++;
        return nameList(i, "writes");
      case "COPY": {
        const found = nameAt(i);
        if (found === null) return i;
        const direction = findWord(found.next, "FROM") !== -1 ? "writes" : "reads";
        add(direction, found.name);
        const fromOrTo = findWord(found.next, direction === "writes" ? "FROM" : "TO");
        return fromOrTo === -1 ? found.next : fromOrTo + 1;
      }
      case "CREATE":
        return readCreate(i);
      case "ALTER":
        return readAlter(i);
      case "DROP":
        return readDrop(i);
      case "RENAME": {
        // MySQL RENAME TABLE a TO b [, c TO d]
        if (upper(i) !== "TABLE") return i;
        i++;
        for (;;) {
          const from = nameAt(i);
          if (from === null || upper(from.next) !== "TO") return i;
          const to = nameAt(from.next + 1);
          if (to === null) return from.next + 1;
          add("alters", from.name);
          add("creates", to.name);
          i = to.next;
          if (upper(i) !== ",") return i;
          i++;
        }
      }
      case "TABLE": {
        // PostgreSQL and MySQL 8: `TABLE t` is `SELECT * FROM t`.
        const found = nameAt(i);
        if (found === null) return i;
        add("reads", found.name);
        return found.next;
      }
      case "REFRESH": {
        // REFRESH MATERIALIZED VIEW [CONCURRENTLY] name rewrites the view's data.
        if (upper(i) !== "MATERIALIZED" || upper(i + 1) !== "VIEW") return i;
        i += 2;
        if (upper(i) === "CONCURRENTLY") i++;
        const found = nameAt(i);
        if (found === null) return i;
        add("writes", found.name);
        return found.next;
      }
      case "COMMENT": {
        if (upper(i) !== "ON") return i;
        const kind = upper(i + 1) === "MATERIALIZED" || upper(i + 1) === "FOREIGN" ? upper(i + 2) : upper(i + 1);
        if (kind !== "TABLE" && kind !== "VIEW") return i;
        const found = nameAt(upper(i + 1) === kind ? i + 2 : i + 3);
        if (found === null) return i;
        add("alters", found.name);
        return found.next;
      }
      default:
        return IGNORED_COMMANDS.has(u) ? skipStatement(i) : i0;
    }
  }

  /** `name [(columns)] AS [NOT] [MATERIALIZED] (` — records the name; the paren is the CTE's body. */
  function readCte(from: number): number {
    let i = from;
    const found = nameAt(i);
    if (found === null) return i;
    ctes.add(found.name);
    i = found.next;
    if (upper(i) === "(") {
      const close = matchingParen(i);
      i = close === -1 ? t.length : close + 1;
    }
    if (upper(i) === "AS") i++;
    if (upper(i) === "NOT") i++;
    if (upper(i) === "MATERIALIZED") i++;
    if (upper(i) === "(") pendingCte = true;
    return i;
  }

  function matchingParen(open: number): number {
    let depth = 0;
    for (let i = open; i < t.length; i++) {
      const u = upper(i);
      if (u === "(") depth++;
      else if (u === ")" && --depth === 0) return i;
    }
    return -1;
  }

  function readCreate(from: number): number {
    let i = from;
    // Modifiers and MySQL view options (ALGORITHM = …, DEFINER = …, SQL SECURITY …) come before the kind.
    let kindAt = -1;
    for (let k = i; k < Math.min(t.length, i + 16); k++) {
      if (at(k)?.kind === "word" && CREATE_KINDS.has(upper(k))) {
        kindAt = k;
        break;
      }
    }
    if (kindAt === -1) return i;
    const kind = upper(kindAt);
    i = kindAt + 1;
    switch (kind) {
      case "TABLE": {
        i = skipIfExists(i);
        const found = nameAt(i);
        if (found === null) return i;
        add("creates", found.name);
        i = found.next;
        // CREATE TABLE t LIKE u, (LIKE u), PARTITION OF u, INHERITS (u, …)
        for (let k = i; k < t.length; k++) {
          const u = upper(k);
          if (u === "LIKE" || (u === "OF" && upper(k - 1) === "PARTITION")) {
            const source = nameAt(k + 1);
            if (source !== null) add("reads", source.name);
          } else if (u === "INHERITS" && upper(k + 1) === "(") {
            nameList(k + 2, "reads");
          } else if (u === "AS" || u === "SELECT") {
            break;
          }
        }
        return i;
      }
      case "VIEW": {
        i = skipIfExists(i);
        const found = nameAt(i);
        if (found === null) return i;
        add("creates", found.name);
        return found.next;
      }
      case "INDEX":
      case "TRIGGER":
      case "POLICY": {
        const onAt = findWord(i, "ON");
        if (onAt === -1) return i;
        const found = nameAt(onAt + 1);
        if (found === null) return onAt + 1;
        add("alters", found.name);
        return found.next;
      }
      case "RULE": {
        const toAt = findWord(i, "TO");
        if (toAt === -1) return i;
        const found = nameAt(toAt + 1);
        if (found === null) return toAt + 1;
        add("alters", found.name);
        return found.next;
      }
      default:
        return i; // routines, sequences, types…: their bodies are read like any statement
    }
  }

  function readAlter(from: number): number {
    let i = from;
    if (upper(i) === "MATERIALIZED" || upper(i) === "FOREIGN") i++;
    if (upper(i) !== "TABLE" && upper(i) !== "VIEW") return i;
    i = skipIfExists(i + 1);
    const found = nameAt(i);
    if (found === null) return i;
    add("alters", found.name);
    i = found.next;
    const base = found.name.slice(found.name.lastIndexOf(".") + 1);
    for (let k = i; k < t.length; k++) {
      const u = upper(k);
      if (u === "RENAME" && (upper(k + 1) === "TO" || upper(k + 1) === "AS")) {
        // RENAME [TO | AS] new_name renames the table itself (not RENAME COLUMN … TO …).
        const to = nameAt(k + 2);
        if (to !== null) add("creates", to.name);
      } else if (u === "SET" && upper(k + 1) === "SCHEMA") {
        const schema = nameAt(k + 2);
        if (schema !== null) add("creates", `${schema.name}.${base}`);
      } else if ((u === "ATTACH" || u === "DETACH") && upper(k + 1) === "PARTITION") {
        const partition = nameAt(k + 2);
        if (partition !== null) add("alters", partition.name);
      }
    }
    return i;
  }

  function readDrop(from: number): number {
    let i = from;
    if (upper(i) === "TEMPORARY") i++;
    if (upper(i) === "MATERIALIZED" || upper(i) === "FOREIGN") i++;
    const kind = upper(i);
    if (kind === "TABLE" || kind === "VIEW") return nameList(skipIfExists(i + 1), "drops");
    if (kind === "INDEX" || kind === "TRIGGER" || kind === "POLICY" || kind === "RULE") {
      const onAt = findWord(i + 1, "ON", new Set([";"]));
      const found = onAt === -1 ? null : nameAt(onAt + 1);
      if (found !== null) add("alters", found.name);
    }
    return skipStatement(i);
  }
}

/** A numeric literal, which the lexers return as a word. */
function isNumber(word: string): boolean {
  const c = word.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  for (let k = 1; k < word.length; k++) {
    const d = word.charCodeAt(k);
    if (!((d >= 48 && d <= 57) || d === 69 /* E */ || d === 95 /* _ */ || d === 88 /* X */ || (d >= 65 && d <= 70))) return false;
  }
  return true;
}

/** Words that follow a table reference and so cannot be its alias. */
function isClauseWord(word: string): boolean {
  return ["WHERE", "GROUP", "ORDER", "LIMIT", "INNER", "LEFT", "RIGHT", "JOIN", "ON", "USING", "NATURAL", "CROSS",
    "FULL", "SET", "RETURNING", "WINDOW", "HAVING", "UNION", "EXCEPT", "INTERSECT", "FOR", "STRAIGHT_JOIN",
    "OUTER", "WHEN", "USE", "FORCE", "IGNORE", "PARTITION", "TABLESAMPLE", "OFFSET", "FETCH"].includes(word);
}

/** Adds a statement's names to the script's, leaving out unqualified references to its CTEs. */
function mergeInto(sets: TableSets, local: TableSets, ctes: ReadonlySet<string>): void {
  const result = local.result();
  for (const category of ["creates", "alters", "drops", "writes", "reads"] as const) {
    for (const name of result[category]) if (!ctes.has(name)) sets.add(category, name);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the real parser

/**
 * `tablesTouched("postgres", sql)` over PostgreSQL's own parse tree (libpg-query, loaded on first
 * use). A statement the parser rejects is read from its tokens instead. Names come in parse-tree
 * order, which may differ from the token read's order of appearance.
 */
export async function tablesTouchedPostgres(sql: string): Promise<TablesTouched> {
  const parser = await import("libpg-query");
  await parser.loadModule();
  const sets = tableSets();
  for (const statement of splitPostgres(sql)) {
    let tree: unknown;
    try {
      tree = parser.parseSync(statement.text);
    } catch {
      readStatement("postgres", statement.text, sets);
      continue;
    }
    const stmts = (tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
    for (const raw of stmts) readParseTree(raw.stmt, sets);
  }
  return sets.result();
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

function readParseTree(root: unknown, sets: TableSets): void {
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
  mergeInto(sets, local, ctes);
}

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
