// Differential: the PostgreSQL splitter finds the same statements as PostgreSQL's own parser
// (libpg-query reports stmt_location / stmt_len, in UTF-8 bytes, for every statement).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModule, parseSync } from "libpg-query";
import { beforeAll, describe, expect, test } from "vitest";
import { splitPostgres } from "../../../src/dialects/postgres/sql/split.js";
import { generateScripts } from "./generate-scripts.js";

interface RawStatement {
  stmt_location?: number;
  stmt_len?: number;
}

interface Boundary {
  readonly offset: number;
  readonly text: string;
}

/** Skips whitespace and (nested) comments from `i`; written independently of the splitter. */
function skipInsignificant(sql: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i] as string)) i++;
    if (sql.startsWith("--", i)) {
      while (i < sql.length && sql[i] !== "\n" && sql[i] !== "\r") i++;
    } else if (sql.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (sql.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      } while (depth > 0 && i < sql.length);
    } else {
      return i;
    }
  }
}

/** The statements as the parser sees them: start after leading comments, text up to its end. */
function parserBoundaries(sql: string): Boundary[] {
  const bytes = Buffer.from(sql, "utf8");
  const charOffset = (byte: number): number => bytes.subarray(0, byte).toString("utf8").length;
  const parsed = parseSync(sql) as { stmts?: RawStatement[] };
  return (parsed.stmts ?? []).map((raw) => {
    const startByte = raw.stmt_location ?? 0;
    const from = charOffset(startByte);
    const to = raw.stmt_len ? charOffset(startByte + raw.stmt_len) : sql.length;
    const offset = skipInsignificant(sql, from);
    return { offset, text: sql.slice(offset, to) };
  });
}

/** Our statement must be the parser's, up to trailing whitespace and comments. */
function agree(sql: string, ours: readonly Boundary[], theirs: readonly Boundary[]): string | null {
  if (ours.length !== theirs.length) return `${ours.length} statements, the parser found ${theirs.length}`;
  for (let k = 0; k < ours.length; k++) {
    const a = ours[k] as Boundary;
    const b = theirs[k] as Boundary;
    if (a.offset !== b.offset) return `statement ${k + 1} starts at ${a.offset}, the parser says ${b.offset}`;
    const rest = a.offset + a.text.length;
    if (!b.text.startsWith(a.text) || skipInsignificant(sql, rest) < b.offset + b.text.length) {
      return `statement ${k + 1} is ${JSON.stringify(a.text)}, the parser says ${JSON.stringify(b.text)}`;
    }
  }
  return null;
}

const FIXTURES = join(import.meta.dirname, "../../fixtures/split/postgres");

beforeAll(async () => {
  await loadModule();
});

describe("splitPostgres agrees with libpg-query", () => {
  test("on every golden input that PostgreSQL accepts", () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".sql") && !f.startsWith("unterminated-"));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const file of files) {
      const sql = readFileSync(join(FIXTURES, file), "utf8");
      expect({ file, disagreement: agree(sql, splitPostgres(sql), parserBoundaries(sql)) }).toEqual({
        file,
        disagreement: null,
      });
    }
  });

  test("the unterminated golden inputs are rejected by the parser too", () => {
    for (const file of readdirSync(FIXTURES).filter((f) => f.startsWith("unterminated-") && f.endsWith(".sql"))) {
      expect(() => parseSync(readFileSync(join(FIXTURES, file), "utf8"))).toThrow();
    }
  });

  test("on 3000 generated scripts, with zero disagreements", () => {
    const disagreements: string[] = [];
    let statements = 0;
    for (const script of generateScripts("postgres", 4242, 3000)) {
      const ours = splitPostgres(script.sql);
      statements += ours.length;
      const problem = agree(script.sql, ours, parserBoundaries(script.sql));
      if (problem !== null) disagreements.push(`${problem} in ${JSON.stringify(script.sql)}`);
    }
    expect(disagreements.slice(0, 3)).toEqual([]);
    expect(statements).toBeGreaterThan(3000);
  });
});
