// Substitutes `?` placeholders in MySQL text, skipping strings, quoted identifiers and comments.
// mysql2's own formatter differs between versions (older ones replace a `?` inside a string
// literal), so the scanning is ours and only the escaping of each value is the driver's.

/** 0-based offsets of the `?` placeholders outside strings, quoted identifiers and comments. */
export function placeholderOffsets(sql: string): number[] {
  const offsets: number[] = [];
  const length = sql.length;
  let i = 0;
  while (i < length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === "`") {
      i = skipQuoted(sql, i, ch);
    } else if (ch === "#") {
      i = skipLine(sql, i);
    } else if (ch === "-" && sql[i + 1] === "-" && isCommentSpace(sql[i + 2])) {
      i = skipLine(sql, i);
    } else if (ch === "/" && sql[i + 1] === "*") {
      // `/*! … */` and `/*M! … */` are executable comments: their body is SQL, keep scanning it.
      if (sql[i + 2] === "!" || (sql[i + 2] === "M" && sql[i + 3] === "!")) {
        i += sql[i + 2] === "!" ? 3 : 4;
      } else {
        const end = sql.indexOf("*/", i + 2);
        i = end === -1 ? length : end + 2;
      }
    } else {
      if (ch === "?") offsets.push(i);
      i += 1;
    }
  }
  return offsets;
}

/**
 * Replaces each placeholder with `escape(value)`. Throws a RangeError when the number of
 * placeholders and values differ: a silent mismatch would run different SQL than written.
 */
export function bindParams(sql: string, params: readonly unknown[], escape: (value: unknown) => string): string {
  const offsets = placeholderOffsets(sql);
  if (offsets.length !== params.length) {
    throw new RangeError(
      `the query has ${offsets.length} ? placeholder${offsets.length === 1 ? "" : "s"} but ${params.length} parameter${params.length === 1 ? " was" : "s were"} given`,
    );
  }
  let out = "";
  let from = 0;
  offsets.forEach((offset, index) => {
    out += sql.slice(from, offset) + escape(params[index]);
    from = offset + 1;
  });
  return out + sql.slice(from);
}

/** Index just past a quoted string or identifier opened at `start` (or the end when unterminated). */
function skipQuoted(sql: string, start: number, quote: string): number {
  const backslash = quote !== "`";
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslash && ch === "\\") {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf("\n", start);
  return end === -1 ? sql.length : end + 1;
}

/** MySQL needs whitespace (or a control character, or the end) after `--` for a comment. */
function isCommentSpace(ch: string | undefined): boolean {
  return ch === undefined || ch <= " ";
}
