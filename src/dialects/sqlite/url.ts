// SQLite URLs:
//   - `sqlite:./path.db`, `sqlite:path.db`, `sqlite:/abs/path.db`  — the rest is the path, verbatim;
//   - `sqlite:///abs/path.db`                                      — absolute (URL form, percent-decoded);
//   - `sqlite://relative.db`, `sqlite://data/x.db`                 — relative: after `sqlite://` the
//     text is the path (SQLite has no host), and only a leading `/` makes it absolute;
//   - `sqlite::memory:`, `sqlite://:memory:`, `:memory:`           — an in-memory database;
//   - `file:./x.db`, `file:///abs/x.db`, `file::memory:`           — the same rules as `sqlite:`;
//   - a bare path ending in `.db`, `.sqlite` or `.sqlite3`         — verbatim, no query string.
// In the scheme forms a `?` starts query parameters (kept in `params`); relative paths are resolved
// later, by `resolveDatabaseUrl`, against the directory the setting came from.

import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../../core/errors.js";
import { decodeComponent, encodeParams, maskQueryPassword, parseQuery, schemeOf, type UrlText } from "../url-parts.js";

export interface SqliteUrl {
  readonly dialect: "sqlite";
  /** `":memory:"` or a file path (relative paths are relative to the setting's directory). */
  readonly filename: string;
  readonly memory: boolean;
  readonly params: Readonly<Record<string, string>>;
}

const SQLITE_EXTENSION = /\.(db|sqlite|sqlite3)$/i;
const SCHEMES = ["sqlite", "file"];

/** `:memory:`, or a path ending in a SQLite extension that is not a `scheme://` URL. */
export function claimsSqliteText(raw: string): boolean {
  return raw === ":memory:" || (SQLITE_EXTENSION.test(raw) && !raw.includes("://"));
}

export function parseSqliteUrl(url: UrlText): SqliteUrl {
  const { raw, scheme } = url;
  if (scheme === undefined || !SCHEMES.includes(scheme)) {
    return raw === ":memory:"
      ? { dialect: "sqlite", filename: ":memory:", memory: true, params: {} }
      : { dialect: "sqlite", filename: raw, memory: false, params: {} };
  }
  const rest = raw.slice(scheme.length + 1);
  const queryAt = rest.indexOf("?");
  let path = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
  const params = queryAt >= 0 ? parseQuery(rest.slice(queryAt + 1), url) : {};
  if (path.startsWith("//")) {
    path = decodeComponent(path.slice(2), "path", url);
    if (path.startsWith("/")) path = path.replace(/^\/+/, "/");
    // sqlite:///C:/data/x.db
    if (/^\/[a-z]:[\\/]/i.test(path)) path = path.slice(1);
  }
  if (path === ":memory:") return { dialect: "sqlite", filename: ":memory:", memory: true, params };
  if (path === "") {
    throw new ConfigError(`the SQLite URL "${maskQueryPassword(raw)}"${url.where} names no file; use sqlite:./file.db or sqlite::memory:`);
  }
  return { dialect: "sqlite", filename: path, memory: false, params };
}

/** SQLite text is a path: every character stays when it is shown (SQLite has no password). */
export function showsSqliteVerbatim(raw: string): boolean {
  if (raw === ":memory:") return true;
  const scheme = schemeOf(raw);
  if (scheme !== undefined && SCHEMES.includes(scheme)) return true;
  return !raw.includes("://") && SQLITE_EXTENSION.test(raw.replace(/\?.*$/, ""));
}

/** Makes a relative SQLite path absolute against `baseDir`; in-memory and absolute URLs stay. */
export function resolveSqliteUrl(parsed: SqliteUrl, url: string, baseDir: string): string {
  if (parsed.memory || isAbsolute(parsed.filename)) return url;
  const filename = resolve(baseDir, parsed.filename);
  const query = Object.keys(parsed.params).length === 0 ? "" : `?${encodeParams(parsed.params)}`;
  if (!filename.includes("?")) return `sqlite:${filename}${query}`;
  // A `?` in the path: use the URL form, where the path is percent-decoded.
  const encoded = filename.replace(/%/g, "%25").replace(/\?/g, "%3F");
  return `sqlite://${encoded.startsWith("/") ? "" : "/"}${encoded}${query}`;
}
