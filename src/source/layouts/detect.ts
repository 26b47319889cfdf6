// Which layout reads a directory: the one the config names (`format`), or the one that claims the
// directory's listing; Stratum's own when none does. Pure: the listing is given.

import { ConfigError } from "../../core/errors.js";
import type { Layout, LayoutName } from "./layout.js";

/** `format` in the config: a layout's name, or `auto` (the default) to detect it. */
export type LayoutFormat = LayoutName | "auto";

/** Every value `format` takes, in the order messages list them. */
export const LAYOUT_FORMATS = [
  "auto",
  "stratum",
  "golang-migrate",
  "dbmate",
  "goose",
  "flyway",
  "node-pg-migrate",
  "prisma",
  "drizzle",
  "sqitch",
] as const satisfies readonly LayoutFormat[];

// every layout name is listed: a name added to LayoutName and not here fails `tsc`
const everyFormat: LayoutFormat extends (typeof LAYOUT_FORMATS)[number] ? true : false = true;
void everyFormat;

/** The layout chosen: `null` is Stratum's own; `detected` says it was not named by the config. */
export interface LayoutChoice {
  readonly layout: Layout | null;
  readonly detected: boolean;
}

/**
 * Chooses the layout for a directory holding `paths` (relative, `/`-separated). Throws a
 * ConfigError (one sentence and a fix) when two layouts claim the directory, when the named
 * format is not one Stratum reads, or when it names a layout the directory's files do not fit.
 */
export function chooseLayout(
  dir: string,
  paths: readonly string[],
  format: LayoutFormat,
  layouts: readonly Layout[],
): LayoutChoice {
  if (format === "stratum") return { layout: null, detected: false };
  if (format !== "auto") {
    const named = layouts.find((layout) => layout.name === format);
    if (named === undefined) {
      throw new ConfigError(`format "${format}" is not a layout Stratum can read yet`, {
        key: "format",
        fix: `set format to one of ${["auto", "stratum", ...layouts.map((layout) => layout.name)].map((name) => `"${name}"`).join(", ")}`,
      });
    }
    // some tools' names are Stratum's own, so their layouts never claim a directory: a file the
    // layout would read is enough
    if (paths.length > 0 && !named.detect(paths) && !paths.some((path) => named.wants(path))) {
      throw new ConfigError(`format is "${format}" but the migrations directory ${dir} holds no ${format} migrations`, {
        key: "format",
        fix: `point dir at the ${format} migrations directory, or set format to "auto" to detect the layout`,
      });
    }
    return { layout: named, detected: false };
  }
  const claimed = layouts.filter((layout) => layout.detect(paths));
  if (claimed.length > 1) {
    const names = claimed.map((layout) => layout.name);
    throw new ConfigError(
      `the migrations directory ${dir} looks like both ${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""} migrations`,
      { key: "format", fix: `set format in the config to the tool that wrote it, e.g. format: "${names[0] ?? ""}"` },
    );
  }
  return { layout: claimed[0] ?? null, detected: true };
}

/**
 * Marker lines that only another tool's SQL files carry, for tools whose file names are also
 * Stratum's own (goose's `00001_x.sql`, node-pg-migrate's `1_x.sql`): read as Stratum's own,
 * such a file would run its down SQL as part of its up.
 */
const TEXT_MARKERS: readonly (readonly [LayoutName, RegExp])[] = [
  ["goose", /^\s*--\s*\+goose\s+(?:up|down)\b/im],
  ["node-pg-migrate", /^\s*--\s*(?:up|down)\s+migration\s*$/im],
  // its JavaScript/TypeScript migrations, which would otherwise load as Stratum code migrations
  // and fail on `pgm.createTable is not a function` (randkyp/OpenMusic)
  [
    "node-pg-migrate",
    /^\s*(?:exports\.shorthands\s*=|export\s+const\s+shorthands\b)|['"]node-pg-migrate['"]|\bup\s*=\s*(?:async\s*)?\(?\s*pgm\b|\bfunction\s+up\s*\(\s*pgm\b/m,
  ],
];

/** How many of a directory's top-level migration files are read to look for another tool's markers. */
export const SNIFFED_FILES = 3;

/**
 * The layout whose marker lines `files` (a few top-level SQL files, read) carry, among `layouts`;
 * null when none does. Used with `format` unset, when no layout claimed the directory's paths.
 */
export function layoutFromText(files: readonly { readonly path: string; readonly text: string }[], layouts: readonly Layout[]): Layout | null {
  for (const [name, marker] of TEXT_MARKERS) {
    const layout = layouts.find((candidate) => candidate.name === name);
    if (layout !== undefined && files.some((file) => marker.test(file.text))) return layout;
  }
  return null;
}
