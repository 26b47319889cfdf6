// Per-dialect variants of one migration: `001_x.postgres.up.sql` (or `001_x.postgres.sql`) beside
// `001_x.up.sql`. On its dialect the tagged files replace the untagged ones of that migration; on
// any other dialect they are not there. The tags are the registry's dialect names, so one
// directory can serve several dialects. Used by Stratum's own layout and by any layout whose
// names have the same shape (golang-migrate's `1_x.up.sql`).

import { dialectFileTags } from "../../dialects/registry.js";

const TAGS: ReadonlySet<string> = new Set(dialectFileTags());

/** A file name's dialect tag and the name without it, or null when the name carries none. */
export interface DialectVariant {
  readonly tag: string;
  /** The name without the tag: `001_x.postgres.up.sql` → `001_x.up.sql`. */
  readonly base: string;
}

/** `001_x.postgres.up.sql` → `{ tag: "postgres", base: "001_x.up.sql" }`; null for `001_x.up.sql`. */
export function dialectVariant(fileName: string): DialectVariant | null {
  const slash = fileName.lastIndexOf("/");
  // a tag takes a dot of its own besides the extension's: most names have one dot, and no tag
  if (fileName.indexOf(".", slash + 1) === fileName.lastIndexOf(".")) return null;
  const dir = fileName.slice(0, slash + 1);
  const name = fileName.slice(slash + 1);
  const extDot = name.lastIndexOf(".");
  if (extDot <= 0) return null;
  const ext = name.slice(extDot);
  let rest = name.slice(0, extDot);
  const part = /\.(?:up|down)$/.exec(rest);
  const partText = part === null ? "" : part[0];
  if (part !== null) rest = rest.slice(0, part.index);
  const tagDot = rest.lastIndexOf(".");
  if (tagDot <= 0) return null;
  const tag = rest.slice(tagDot + 1);
  if (!TAGS.has(tag)) return null;
  return { tag, base: `${dir}${rest.slice(0, tagDot)}${partText}${ext}` };
}

/** A file kept for the dialect: its real name, and the name it is read as (the tag removed). */
export interface ChosenFile {
  readonly name: string;
  readonly base: string;
}

/**
 * The files one dialect reads, in the given order: untagged files, except where the dialect has
 * its own file in their place, which replaces them; files tagged for other dialects are left out.
 * A tagged part replaces the same part (`001_x.sqlite.up.sql` replaces `001_x.up.sql`, and the
 * shared `001_x.down.sql` stays unless `001_x.sqlite.down.sql` exists) and an untagged single
 * file of that migration; a tagged single file (`001_x.sqlite.sql`) replaces every untagged file
 * of the migration. `dialect` undefined (no target known): only the untagged files.
 */
export function chooseVariants(names: readonly string[], dialect: string | undefined): ChosenFile[] {
  const variants = names.map((name) => ({ name, variant: dialectVariant(name) }));
  const replaced = new Set<string>();
  const wholeStems = new Set<string>();
  for (const { variant } of variants) {
    if (variant === null || variant.tag !== dialect) continue;
    replaced.add(variant.base);
    const stem = stemOf(variant.base);
    if (!/\.(?:up|down)\.[^./]+$/.test(variant.base)) wholeStems.add(stem);
    else replaced.add(`${stem}${variant.base.slice(variant.base.lastIndexOf("."))}`);
  }
  const chosen: ChosenFile[] = [];
  if (replaced.size === 0) {
    // no file of this dialect's: every untagged file stays (thousands, each without a stem to cut)
    for (let i = 0; i < variants.length; i++) {
      const { name, variant } = variants[i] as (typeof variants)[number];
      if (variant === null) chosen.push({ name, base: name });
    }
    return chosen;
  }
  for (const { name, variant } of variants) {
    if (variant === null) {
      if (!replaced.has(name) && !wholeStems.has(stemOf(name))) chosen.push({ name, base: name });
    } else if (variant.tag === dialect) {
      chosen.push({ name, base: variant.base });
    }
  }
  return chosen;
}

/** `001_x.up.sql` → `001_x`; `dir/001_x.sql` → `dir/001_x`. */
export function stemOf(name: string): string {
  const extDot = name.lastIndexOf(".");
  const withoutExt = extDot > name.lastIndexOf("/") ? name.slice(0, extDot) : name;
  return withoutExt.replace(/\.(?:up|down)$/, "");
}
