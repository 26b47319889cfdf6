// Aligned text tables. Widths come from the plain text; colour is applied after padding so
// escape sequences never disturb alignment.

import type { Colors } from "../io.js";

export interface Cell {
  readonly text: string;
  readonly style?: (text: string) => string;
}

export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
}

export type Row = readonly (Cell | string)[];

/** A high surrogate: a text without one has as many code points as UTF-16 units. */
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/** Code points in `text` (what `[...text].length` counts), without building an array. */
function codePoints(text: string): number {
  // the regular expression runs compiled; thousands of cells (a `status` of 5,000) are plain
  if (!HIGH_SURROGATE.test(text)) return text.length;
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

/** Lines of a table: a header row, then one line per row, columns two spaces apart. */
export function renderTable(columns: readonly Column[], rows: readonly Row[], colors: Colors): string[] {
  // indexed loops and one string per line: a `status` of 5,000 migrations renders 25,000 cells,
  // and arrays, cell objects and closures per row were most of its rendering time (issue 16)
  const count = columns.length;
  const lengths = new Array<number>(rows.length * count);
  const widths = columns.map((column) => codePoints(column.header));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Row;
    for (let i = 0; i < count; i++) {
      const length = codePoints(textOf(row[i]));
      lengths[r * count + i] = length;
      if (length > (widths[i] as number)) widths[i] = length;
    }
  }
  const line = (row: Row, known: readonly number[], from: number, header: boolean): string => {
    let text = "";
    for (let i = 0; i < count; i++) {
      const value = row[i] ?? "";
      const plain = textOf(value);
      const style = typeof value === "string" ? undefined : value.style;
      const padding = " ".repeat(Math.max(0, (widths[i] as number) - (known[from + i] as number)));
      const styled = header ? colors.bold(plain) : style ? style(plain) : plain;
      if (i > 0) text += "  ";
      if (columns[i]?.align === "right") text += padding + styled;
      else text += i === count - 1 ? styled : styled + padding;
    }
    return text.trimEnd();
  };
  const headers = columns.map((column) => column.header);
  const lines = [line(headers, headers.map(codePoints), 0, true)];
  for (let r = 0; r < rows.length; r++) lines.push(line(rows[r] as Row, lengths, r * count, false));
  return lines;
}

function textOf(value: Cell | string | undefined): string {
  return value === undefined ? "" : typeof value === "string" ? value : value.text;
}
