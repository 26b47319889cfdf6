// The text the sqlite3 shell gives SQLite for each statement of a file, so that a table or index
// created by Stratum has the same `sqlite_master.sql` as one the shell created from the same file.
// SQLite keeps, for some statements (CREATE INDEX, CREATE TABLE … STRICT, views), whatever lies
// between the statement's last token and its `;` (comments, spaces, line breaks).

import type { Statement } from "../../../core/types.js";
import { newToken } from "../../../sql/token.js";
import { scanSqliteToken } from "./lexer.js";

/**
 * A statement as the shell runs it: from its first token up to (not including) its `;`, with what
 * lies before the `;`; line endings `\n` (the shell reads lines and drops a `\r` before the `\n`);
 * a last statement without `;` runs to the end of the script, less the script's final line ending
 * (the shell joins the lines it read with `\n`).
 */
export function shellStatement(script: string, statement: Statement): Statement {
  const tok = newToken();
  let pos = statement.offset + statement.text.length;
  let terminated = false;
  while (pos < script.length) {
    scanSqliteToken(script, pos, tok);
    if (tok.kind === "semicolon") {
      terminated = true;
      break;
    }
    if (tok.kind !== "space" && tok.kind !== "line-comment" && tok.kind !== "block-comment") break;
    pos = tok.end;
  }
  let text = script.slice(statement.offset, pos);
  if (text.includes("\r\n")) text = text.replaceAll("\r\n", "\n");
  if (!terminated && pos === script.length && text.endsWith("\n")) text = text.slice(0, -1);
  return text === statement.text ? statement : { ...statement, text };
}

/** Whether `text` ends inside a `--` comment (a `;` appended to it would be commented out). */
export function endsInLineComment(text: string): boolean {
  const lastLine = text.slice(text.lastIndexOf("\n") + 1);
  if (!lastLine.includes("--")) return false;
  const tok = newToken();
  let pos = 0;
  let last = "";
  while (pos < text.length) {
    scanSqliteToken(text, pos, tok);
    last = tok.kind;
    pos = tok.end;
  }
  return last === "line-comment";
}
