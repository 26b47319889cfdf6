// A light static read of which tables one statement touches, over its tokens (any dialect's
// lexer): for conflict detection and lock estimates. PostgreSQL reads its own parse tree instead
// where it can (src/dialects/postgres/sql/parse-tree-tables.ts) and this as the fallback.

import type { TableUse } from "../../core/sql-facts.js";
import { newToken, type Scan, type Token, type TokenKind } from "../token.js";
import { type Category, type TableSets, tableSets, withoutCtes } from "./table-sets.js";

export interface TokenReadOptions {
  /** `SELECT … INTO new_table` creates a table (PostgreSQL), rather than filling variables. */
  readonly selectIntoCreates: boolean;
}

/** Which tables one statement creates, alters (CREATE INDEX ON t included), drops, writes and reads. */
export function readTablesFromTokens(scan: Scan, text: string, options: TokenReadOptions): TableUse {
  return new StatementReader(tokensOf(scan, text), options).read();
}

export interface Tok {
  readonly kind: TokenKind;
  /** Upper-cased word, or the punctuation character; "" for other kinds. */
  readonly upper: string;
  /** For words and quoted identifiers: the name, unquoted and lower-cased. */
  readonly name: string;
}

function tokensOf(scan: Scan, sql: string): Tok[] {
  const out: Tok[] = [];
  const tok = newToken();
  const n = sql.length;
  let pos = 0;
  while (pos < n) {
    scan(sql, pos, tok);
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

// ---------------------------------------------------------------------------------------------
// The reader: one statement's tokens, walked once

/** Reads one statement's tokens; `read` returns its tables, CTE names left out. */
class StatementReader {
  private readonly local: TableSets = tableSets();
  private readonly ctes = new Set<string>();
  private readonly parens: Paren[] = [];
  /** Set by readCte; the next `(` is the CTE's body, where a statement starts. */
  private pendingCte = false;
  private commandPosition = true;

  constructor(
    private readonly t: readonly Tok[],
    private readonly options: TokenReadOptions,
  ) {}

  read(): TableUse {
    let i = 0;
    while (i < this.t.length) i = this.step(i);
    return withoutCtes(this.local, this.ctes);
  }

  /** Reads the token at i (and what it starts); returns the index to continue from. */
  private step(i: number): number {
    const tok = this.t[i] as Tok;
    const u = tok.upper;
    if (tok.kind === "punct") return this.punct(i);
    if (tok.kind === "semicolon") {
      this.commandPosition = true;
      return i + 1;
    }
    if (tok.kind !== "word") {
      this.commandPosition = false;
      return i + 1;
    }
    const innermost = this.parens[this.parens.length - 1];
    const inQuery = innermost === undefined || innermost !== "other";
    if (this.commandPosition) {
      const next = this.command(i);
      if (next !== i) {
        this.commandPosition = u === "EXPLAIN"; // EXPLAIN [ANALYZE] <statement>
        return next;
      }
    }
    // Not `IS DISTINCT FROM x`, nor a partition bound `FOR VALUES FROM (…)`.
    if ((u === "FROM" && inQuery && this.upper(i - 1) !== "DISTINCT" && this.upper(i - 1) !== "VALUES") || u === "JOIN") {
      this.commandPosition = false;
      return this.tableRefs(i + 1, u === "FROM");
    }
    if (u === "INTO" && this.options.selectIntoCreates) {
      // SELECT … INTO [TEMP | UNLOGGED] [TABLE] new_table (INSERT and MERGE consume their INTO).
      let k = i + 1;
      while (["TEMP", "TEMPORARY", "UNLOGGED", "TABLE"].includes(this.upper(k))) k++;
      const found = this.nameAt(k);
      if (found !== null) this.add("creates", found.name);
      return found?.next ?? k;
    }
    if (u === "REFERENCES") {
      const found = this.nameAt(i + 1);
      if (found !== null) this.add("reads", found.name);
      return found?.next ?? i + 1;
    }
    this.commandPosition = STARTS_STATEMENT.has(u) || (this.commandPosition && (u === "INSTEAD" || u === "ALSO"));
    return i + 1;
  }

  /** A punctuation token at i: parentheses open and close queries, CTE bodies and the rest. */
  private punct(i: number): number {
    const u = this.upper(i);
    if (u === "(") {
      const kind: Paren = this.pendingCte ? "cte" : OPENS_QUERY.has(this.upper(i + 1)) ? "subquery" : "other";
      this.pendingCte = false;
      this.parens.push(kind);
      this.commandPosition = kind !== "other";
    } else if (u === ")") {
      const closed = this.parens.pop();
      this.commandPosition = false;
      if (closed === "cte") {
        if (this.upper(i + 1) === ",") return this.readCte(i + 2);
        this.commandPosition = true;
      }
    } else {
      this.commandPosition = false;
    }
    return i + 1;
  }

  // --- token access ---------------------------------------------------------------------------

  private at(i: number): Tok | undefined {
    return this.t[i];
  }

  private upper(i: number): string {
    return this.t[i]?.upper ?? "";
  }

  private add(category: Category, name: string): void {
    this.local.add(category, name);
  }

  /** A possibly qualified name at i: `[ONLY] a[.b[.c]]`. Returns the name and the index after it. */
  private nameAt(from: number): { name: string; next: number } | null {
    let i = from;
    if (this.upper(i) === "ONLY") i++;
    const parts: string[] = [];
    for (;;) {
      const tok = this.at(i);
      if (tok === undefined || (tok.kind !== "word" && tok.kind !== "quoted")) break;
      if (tok.kind === "word" && parts.length === 0 && (NOT_A_NAME.has(tok.upper) || isNumber(tok.upper))) break;
      parts.push(tok.name);
      i++;
      if (this.upper(i) !== ".") break;
      i++;
    }
    if (parts.length === 0) return null;
    if (this.upper(i) === "*") i++; // PostgreSQL `t*`
    return { name: parts.join("."), next: i };
  }

  private skipIfExists(i: number): number {
    if (this.upper(i) === "IF" && this.upper(i + 1) === "NOT" && this.upper(i + 2) === "EXISTS") return i + 3;
    if (this.upper(i) === "IF" && this.upper(i + 1) === "EXISTS") return i + 2;
    return i;
  }

  /** `name [, name …]` into `category`; returns the index after the list. */
  private nameList(from: number, category: Category): number {
    let i = from;
    for (;;) {
      const found = this.nameAt(i);
      if (found === null) return i;
      this.add(category, found.name);
      i = found.next;
      if (this.upper(i) !== ",") return i;
      i++;
    }
  }

  /** The first `word` at parenthesis depth 0 from `from`, or -1. */
  private findWord(from: number, word: string, stopAt?: ReadonlySet<string>): number {
    let depth = 0;
    for (let i = from; i < this.t.length; i++) {
      const u = this.upper(i);
      if (u === "(") depth++;
      else if (u === ")") depth--;
      else if (depth === 0 && u === word && this.at(i)?.kind === "word") return i;
      else if (depth === 0 && stopAt?.has(u)) return -1;
    }
    return -1;
  }

  private matchingParen(open: number): number {
    let depth = 0;
    for (let i = open; i < this.t.length; i++) {
      const u = this.upper(i);
      if (u === "(") depth++;
      else if (u === ")" && --depth === 0) return i;
    }
    return -1;
  }

  /** The index of the next `;` (inside a body), or the end: skips a statement that touches no tables. */
  private skipStatement(from: number): number {
    let i = from;
    while (i < this.t.length && this.at(i)?.kind !== "semicolon") i++;
    return i;
  }

  /** Whether the token at i can be an alias (a word that is no clause keyword, or a quoted name). */
  private isAlias(i: number, quotedToo: boolean): boolean {
    const tok = this.at(i);
    if (tok?.kind === "quoted") return quotedToo;
    return tok?.kind === "word" && !NOT_A_NAME.has(tok.upper) && !isClauseWord(tok.upper);
  }

  // --- clauses --------------------------------------------------------------------------------

  /** Table references after FROM, JOIN or USING: `name [[AS] alias] [, …]`. */
  private tableRefs(from: number, list: boolean): number {
    let i = from;
    for (;;) {
      // `FROM (a JOIN b ON …)`: a parenthesised join is read like the FROM clause it is part of.
      while (this.upper(i) === "(" && !OPENS_QUERY.has(this.upper(i + 1))) {
        this.parens.push("subquery");
        i++;
      }
      if (this.upper(i) === "LATERAL") i++;
      const found = this.nameAt(i);
      if (found === null) return i;
      if (this.upper(found.next) === "(") return i; // a function call, e.g. generate_series(…)
      this.add("reads", found.name);
      i = found.next;
      if (this.upper(i) === "AS") i++;
      if (this.isAlias(i, true)) {
        i++;
        if (this.upper(i) === "(") {
          // An alias's column list: `AS x (c1, c2)`.
          const close = this.matchingParen(i);
          i = close === -1 ? this.t.length : close + 1;
        }
      }
      if (!list || this.upper(i) !== ",") return i;
      i++;
    }
  }

  /** `name [(columns)] AS [NOT] [MATERIALIZED] (` — records the name; the paren is the CTE's body. */
  private readCte(from: number): number {
    let i = from;
    const found = this.nameAt(i);
    if (found === null) return i;
    this.ctes.add(found.name);
    i = found.next;
    if (this.upper(i) === "(") {
      const close = this.matchingParen(i);
      i = close === -1 ? this.t.length : close + 1;
    }
    if (this.upper(i) === "AS") i++;
    if (this.upper(i) === "NOT") i++;
    if (this.upper(i) === "MATERIALIZED") i++;
    if (this.upper(i) === "(") this.pendingCte = true;
    return i;
  }

  // --- statements -----------------------------------------------------------------------------

  /** Handles a statement keyword at i0; returns the index to continue from, or i0 when it is none. */
  private command(i0: number): number {
    const u = this.upper(i0);
    let i = i0 + 1;
    switch (u) {
      case "WITH":
        return this.readCte(this.upper(i) === "RECURSIVE" ? i + 1 : i);
      case "EXPLAIN":
        while (["ANALYZE", "VERBOSE", "QUERY", "PLAN", "EXTENDED", "FORMAT"].includes(this.upper(i))) i++;
        return i;
      case "INSERT":
      case "REPLACE":
      case "UPDATE":
      case "DELETE":
      case "MERGE":
      case "TRUNCATE":
      case "COPY":
        return this.dataCommand(u, i);
      case "CREATE":
        return this.readCreate(i);
      case "ALTER":
        return this.readAlter(i);
      case "DROP":
        return this.readDrop(i);
      case "RENAME":
        return this.readRename(i);
      case "TABLE":
        // PostgreSQL and MySQL 8: `TABLE t` is `SELECT * FROM t`.
        return this.named(i, "reads") ?? i;
      case "REFRESH":
        // REFRESH MATERIALIZED VIEW [CONCURRENTLY] name rewrites the view's data.
        if (this.upper(i) !== "MATERIALIZED" || this.upper(i + 1) !== "VIEW") return i;
        i += 2;
        if (this.upper(i) === "CONCURRENTLY") i++;
        return this.named(i, "writes") ?? i;
      case "COMMENT":
        return this.readComment(i);
      default:
        return IGNORED_COMMANDS.has(u) ? this.skipStatement(i) : i0;
    }
  }

  /** The name at i into `category`; the index after it, or null when there is none. */
  private named(i: number, category: Category): number | null {
    const found = this.nameAt(i);
    if (found === null) return null;
    this.add(category, found.name);
    return found.next;
  }

  /** INSERT, REPLACE, UPDATE, DELETE, MERGE, TRUNCATE and COPY, from the word after the keyword. */
  private dataCommand(u: string, from: number): number {
    let i = from;
    switch (u) {
      case "INSERT":
      case "REPLACE":
        while (["OR", "REPLACE", "IGNORE", "ROLLBACK", "ABORT", "FAIL", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"].includes(this.upper(i))) i++;
        if (this.upper(i) === "INTO") i++;
        return this.named(i, "writes") ?? i;
      case "UPDATE":
        while (["OR", "ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE", "LOW_PRIORITY"].includes(this.upper(i))) i++;
        return this.named(i, "writes") ?? i;
      case "DELETE":
        return this.readDelete(i);
      case "MERGE": {
        if (this.upper(i) === "INTO") i++;
        const found = this.nameAt(i);
        if (found === null) return i;
        this.add("writes", found.name);
        const usingAt = this.findWord(found.next, "USING");
        return usingAt === -1 ? found.next : this.tableRefs(usingAt + 1, false);
      }
      case "TRUNCATE":
        if (this.upper(i) === "TABLE") i++;
        return this.nameList(i, "writes");
      default: {
        // COPY t FROM … writes t; COPY t TO … reads it.
        const found = this.nameAt(i);
        if (found === null) return i;
        const direction = this.findWord(found.next, "FROM") !== -1 ? "writes" : "reads";
        this.add(direction, found.name);
        const fromOrTo = this.findWord(found.next, direction === "writes" ? "FROM" : "TO");
        return fromOrTo === -1 ? found.next : fromOrTo + 1;
      }
    }
  }

  private readDelete(from: number): number {
    let i = from;
    while (["LOW_PRIORITY", "QUICK", "IGNORE"].includes(this.upper(i))) i++;
    if (this.upper(i) !== "FROM") {
      // MySQL `DELETE t1, t2 FROM …`: the tables before FROM are written.
      const fromAt = this.findWord(i, "FROM", new Set(["WHERE", "WHEN", ";"]));
      if (fromAt === -1) return i;
      this.nameList(i, "writes");
      return fromAt;
    }
    const found = this.nameAt(i + 1);
    if (found === null) return i + 1;
    this.add("writes", found.name);
    i = found.next;
    if (this.upper(i) === "AS") i++;
    if (this.isAlias(i, false)) i++;
    if (this.upper(i) === "USING") return this.tableRefs(i + 1, true);
    return i;
  }

  /** MySQL `RENAME TABLE a TO b [, c TO d]`. */
  private readRename(from: number): number {
    let i = from;
    if (this.upper(i) !== "TABLE") return i;
    i++;
    for (;;) {
      const source = this.nameAt(i);
      if (source === null || this.upper(source.next) !== "TO") return i;
      const to = this.nameAt(source.next + 1);
      if (to === null) return source.next + 1;
      this.add("alters", source.name);
      this.add("creates", to.name);
      i = to.next;
      if (this.upper(i) !== ",") return i;
      i++;
    }
  }

  /** `COMMENT ON [MATERIALIZED | FOREIGN] TABLE | VIEW name` alters it. */
  private readComment(i: number): number {
    if (this.upper(i) !== "ON") return i;
    const kind = this.upper(i + 1) === "MATERIALIZED" || this.upper(i + 1) === "FOREIGN" ? this.upper(i + 2) : this.upper(i + 1);
    if (kind !== "TABLE" && kind !== "VIEW") return i;
    return this.named(this.upper(i + 1) === kind ? i + 2 : i + 3, "alters") ?? i;
  }

  private readCreate(from: number): number {
    // Modifiers and MySQL view options (ALGORITHM = …, DEFINER = …, SQL SECURITY …) come before the kind.
    let kindAt = -1;
    for (let k = from; k < Math.min(this.t.length, from + 16); k++) {
      if (this.at(k)?.kind === "word" && CREATE_KINDS.has(this.upper(k))) {
        kindAt = k;
        break;
      }
    }
    if (kindAt === -1) return from;
    const kind = this.upper(kindAt);
    const i = kindAt + 1;
    switch (kind) {
      case "TABLE":
        return this.readCreateTable(i);
      case "VIEW":
        return this.named(this.skipIfExists(i), "creates") ?? this.skipIfExists(i);
      case "INDEX":
      case "TRIGGER":
      case "POLICY":
      case "RULE": {
        const onAt = this.findWord(i, kind === "RULE" ? "TO" : "ON");
        if (onAt === -1) return i;
        return this.named(onAt + 1, "alters") ?? onAt + 1;
      }
      default:
        return i; // routines, sequences, types…: their bodies are read like any statement
    }
  }

  /** CREATE TABLE t …, with what it copies or inherits from: LIKE u, (LIKE u), PARTITION OF u, INHERITS (u, …). */
  private readCreateTable(from: number): number {
    const i = this.skipIfExists(from);
    const found = this.nameAt(i);
    if (found === null) return i;
    this.add("creates", found.name);
    for (let k = found.next; k < this.t.length; k++) {
      const u = this.upper(k);
      if (u === "LIKE" || (u === "OF" && this.upper(k - 1) === "PARTITION")) {
        const source = this.nameAt(k + 1);
        if (source !== null) this.add("reads", source.name);
      } else if (u === "INHERITS" && this.upper(k + 1) === "(") {
        this.nameList(k + 2, "reads");
      } else if (u === "AS" || u === "SELECT") {
        break;
      }
    }
    return found.next;
  }

  private readAlter(from: number): number {
    let i = from;
    if (this.upper(i) === "MATERIALIZED" || this.upper(i) === "FOREIGN") i++;
    if (this.upper(i) !== "TABLE" && this.upper(i) !== "VIEW") return i;
    i = this.skipIfExists(i + 1);
    const found = this.nameAt(i);
    if (found === null) return i;
    this.add("alters", found.name);
    const base = found.name.slice(found.name.lastIndexOf(".") + 1);
    for (let k = found.next; k < this.t.length; k++) {
      const u = this.upper(k);
      if (u === "RENAME" && (this.upper(k + 1) === "TO" || this.upper(k + 1) === "AS")) {
        // RENAME [TO | AS] new_name renames the table itself (not RENAME COLUMN … TO …).
        const to = this.nameAt(k + 2);
        if (to !== null) this.add("creates", to.name);
      } else if (u === "SET" && this.upper(k + 1) === "SCHEMA") {
        const schema = this.nameAt(k + 2);
        if (schema !== null) this.add("creates", `${schema.name}.${base}`);
      } else if ((u === "ATTACH" || u === "DETACH") && this.upper(k + 1) === "PARTITION") {
        const partition = this.nameAt(k + 2);
        if (partition !== null) this.add("alters", partition.name);
      }
    }
    return found.next;
  }

  private readDrop(from: number): number {
    let i = from;
    if (this.upper(i) === "TEMPORARY") i++;
    if (this.upper(i) === "MATERIALIZED" || this.upper(i) === "FOREIGN") i++;
    const kind = this.upper(i);
    if (kind === "TABLE" || kind === "VIEW") return this.nameList(this.skipIfExists(i + 1), "drops");
    if (kind === "INDEX" || kind === "TRIGGER" || kind === "POLICY" || kind === "RULE") {
      const onAt = this.findWord(i + 1, "ON", new Set([";"]));
      const found = onAt === -1 ? null : this.nameAt(onAt + 1);
      if (found !== null) this.add("alters", found.name);
    }
    return this.skipStatement(i);
  }
}
