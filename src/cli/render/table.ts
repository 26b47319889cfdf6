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

/** Lines of a table: a header row, then one line per row, columns two spaces apart. */
export function renderTable(columns: readonly Column[], rows: readonly Row[], colors: Colors): string[] {
  const cells = rows.map((row) => columns.map((_, i) => cellOf(row[i] ?? "")));
  const widths = columns.map((column, i) =>
    Math.max([...column.header].length, ...cells.map((row) => [...(row[i]?.text ?? "")].length)),
  );
  const line = (row: readonly Cell[], header: boolean): string =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const padding = " ".repeat(Math.max(0, width - [...cell.text].length));
        const styled = header ? colors.bold(cell.text) : cell.style ? cell.style(cell.text) : cell.text;
        const last = i === row.length - 1;
        if (columns[i]?.align === "right") return padding + styled;
        return last ? styled : styled + padding;
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => ({ text: c.header })), true), ...cells.map((row) => line(row, false))];
}
