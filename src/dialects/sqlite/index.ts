// SQLite, through better-sqlite3 (loaded when the first database opens).

import { basename, extname, isAbsolute, resolve } from "node:path";
import { defineDialect } from "../module.js";
import { claimsSqliteText, parseSqliteUrl, resolveSqliteUrl, showsSqliteVerbatim } from "./url.js";

export const sqlite = defineDialect({
  name: "sqlite",
  schemes: ["sqlite", "file"],
  requirementNames: { sqlite: "sqlite" },
  urlForms: ["sqlite:./file.db", "sqlite::memory:"],
  schemeHint: "sqlite:",
  bareText: { claims: claimsSqliteText, hint: "a path ending in .db" },
  parseUrl: parseSqliteUrl,
  showsVerbatim: showsSqliteVerbatim,
  resolveUrl: resolveSqliteUrl,
  // a database is a file: its base name without the extension (no schemas: no placeTenant)
  databaseName: (url) => (url.memory ? undefined : basename(url.filename, extname(url.filename)) || undefined),
  async openShadow(request) {
    const { openSqliteShadow } = await import("./shadow.js");
    return openSqliteShadow(request);
  },
  async measure() {
    const { sqliteMeasure } = await import("./measure.js");
    return sqliteMeasure;
  },
  async create(url, target) {
    const { sqliteDialect } = await import("./sqlite-dialect.js");
    const filename = url.memory || isAbsolute(url.filename) ? url.filename : resolve(target.cwd, url.filename);
    return sqliteDialect({
      filename: url.memory ? ":memory:" : filename,
      displayUrl: target.displayUrl,
      ...(target.client === undefined ? {} : { client: target.client }),
    });
  },
});
