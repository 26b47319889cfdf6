// The SQL files a code migration runs through `ctx.execFile("…")`, found by reading its source.
//
// Decisions:
// - A file a migration runs is part of what it does, so its text is part of the migration's
//   checksum: editing it after the migration was applied is a CHECKSUM_MISMATCH like any edit.
// - The files must be known without importing the module (`status`, `validate` and `plan` do not
//   import unchanged code), so they are read from the source: a call `execFile("path")` with one
//   string-literal argument ('…', "…" or `…` without `${}`), outside comments. Only one-argument
//   calls count, so `child_process.execFile("pg_dump", args)` is not taken for one.
// - A path computed at run time cannot be known in advance: `ctx.execFile` refuses a file that is
//   not named this way (see migration-context.ts), so every file that runs is in the checksum.
//   Such a call, `ctx.execFile(path)` with one argument that is not a literal, is found here too,
//   so it is refused before anything runs rather than half-way through the migration.

/** One `execFile("…")` call: the path as written and its 1-based line. */
export interface ExecFileCall {
  readonly path: string;
  readonly line: number;
}

const CALL = /\bexecFile\s*\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.|\$(?!\{))*)`)\s*,?\s*\)/g;

/** The literal `execFile("…")` calls in JavaScript/TypeScript source, in order, each path once. */
export function execFileCalls(source: string): ExecFileCall[] {
  const code = withoutComments(source);
  const calls: ExecFileCall[] = [];
  const seen = new Set<string>();
  for (const match of code.matchAll(CALL)) {
    const raw = match[1] ?? match[2] ?? match[3] ?? "";
    const path = raw.replace(/\\(.)/g, "$1");
    if (path === "" || seen.has(path)) continue;
    seen.add(path);
    calls.push({ path, line: lineOf(code, match.index) });
  }
  return calls;
}

const MEMBER_CALL = /\.\s*execFile\s*\(/g;
const LITERAL = /^(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\$]|\\.|\$(?!\{))*`)$/;

/** The lines of one-argument `.execFile(…)` calls whose argument is not a string literal. */
export function computedExecFileCalls(source: string): number[] {
  const code = withoutComments(source);
  const lines: number[] = [];
  for (const match of code.matchAll(MEMBER_CALL)) {
    const start = match.index + match[0].length;
    const argument = singleArgument(code, start);
    if (argument === null || LITERAL.test(argument.trim())) continue;
    lines.push(lineOf(code, match.index));
  }
  return lines;
}

/**
 * The text of the only argument of a call whose arguments start at `start`, or null when there
 * are none or several (brackets and strings skipped over whole).
 */
function singleArgument(code: string, start: number): string | null {
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === "\\" ? 2 : 1;
      i = j;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        const text = code.slice(start, i).trim();
        return text === "" ? null : text;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      return code.slice(i + 1).trimStart().startsWith(")") ? code.slice(start, i) : null;
    }
  }
  return null;
}

/**
 * The source with the text of `//` and `/* *\/` comments blanked out (line breaks kept, so
 * offsets and lines are unchanged). Strings and template literals are skipped over whole.
 */
function withoutComments(source: string): string {
  if (!source.includes("/")) return source;
  const out = source.split("");
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) {
        if (source[j] === "\\") j++;
        else if (c !== "`" && source[j] === "\n") break;
        j++;
      }
      i = j + 1;
    } else if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      const to = end < 0 ? source.length : end;
      blank(i, to);
      i = to;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const to = end < 0 ? source.length : end + 2;
      blank(i, to);
      i = to;
    } else {
      i++;
    }
  }
  return out.join("");
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
