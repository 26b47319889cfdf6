// Database URLs, as the rest of Stratum reads and shows them. Which URL means which database is
// the registry's (src/dialects/registry.ts) and each dialect folder's url.ts; what all URLs share
// (splitting, decoding, masking a password) is url-parts.ts. This module is the entry point.

export { displayUrl, parseDatabaseUrl, resolveDatabaseUrl, SUPPORTED_URL_FORMS, type DatabaseUrl } from "./registry.js";
export type { SqliteUrl } from "./sqlite/url.js";
export type { PostgresSsl, PostgresSslMode, PostgresUrl } from "./postgres/url.js";
export type { MysqlSsl, MysqlSslMode, MysqlUrl } from "./mysql/url.js";
