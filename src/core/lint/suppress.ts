// `-- stratum:lint-ignore <rule> <reason>`: in a migration's header (the whole migration) or on the
// line before a statement (that statement). The reason is required; an unknown rule or a missing
// reason is itself a finding, at the line.

import type { SqlScript } from "../types.js";

const IGNORE_LINE = /^\s*--\s*stratum\s*:\s*lint-ignore\b(.*)$/i;
/** After SQL on the statement's own line: `DROP TABLE t; -- stratum:lint-ignore drop-table why`. */
const TRAILING = /\S.*?--\s*stratum\s*:\s*lint-ignore\b(.*)$/i;

/** One lint-ignore line, read. */
export interface IgnoreLine {
  readonly file: string;
  readonly line: number;
  /** Null when the line names no rule. */
  readonly rule: string | null;
  /** Empty when none is given. */
  readonly reason: string;
  /** Written after SQL on a statement's own line: it concerns that statement. */
  readonly trailing?: boolean;
}

/** Reads the value of a lint-ignore directive (`<rule> <reason>`). */
export function readIgnore(file: string, line: number, value: string): IgnoreLine {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const rule = space === -1 ? trimmed : trimmed.slice(0, space);
  const reason = space === -1 ? "" : trimmed.slice(space).trim();
  return { file, line, rule: rule === "" ? null : rule.toLowerCase(), reason };
}

/** The lint-ignore lines written inside a section (skipping the lines in `skip`, the header's). */
export function sectionIgnores(section: SqlScript, skip: ReadonlySet<number>): IgnoreLine[] {
  if (!/lint-ignore/i.test(section.text)) return [];
  const out: IgnoreLine[] = [];
  section.text.split("\n").forEach((text, index) => {
    const line = section.startLine + index;
    const match = IGNORE_LINE.exec(text);
    if (match !== null && !skip.has(line)) out.push(readIgnore(section.file, line, match[1] ?? ""));
    const after = match === null ? TRAILING.exec(text) : null;
    if (after !== null) out.push({ ...readIgnore(section.file, line, after[1] ?? ""), trailing: true });
  });
  return out;
}
