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

function cellOf(value: Cell | string): Cell {
  return typeof value === "string" ? { text: value } : value;
}

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
  const cells = rows.map((row) => columns.map((_, i) => cellOf(row[i] ?? "")));
  const lengths = cells.map((row) => row.map((cell) => codePoints(cell.text)));
  const widths = columns.map((column, i) => {
    let width = codePoints(column.header);
    for (const row of lengths) width = Math.max(width, row[i] ?? 0);
    return width;
  });
  const line = (row: readonly Cell[], rowLengths: readonly number[], header: boolean): string =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const padding = " ".repeat(Math.max(0, width - (rowLengths[i] ?? 0)));
        const styled = header ? colors.bold(cell.text) : cell.style ? cell.style(cell.text) : cell.text;
        const last = i === row.length - 1;
        if (columns[i]?.align === "right") return padding + styled;
        return last ? styled : styled + padding;
      })
      .join("  ")
      .trimEnd();
  const headers = columns.map((c) => ({ text: c.header }));
  return [line(headers, headers.map((h) => codePoints(h.text)), true), ...cells.map((row, r) => line(row, lengths[r] as number[], false))];
}
