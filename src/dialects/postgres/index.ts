// PostgreSQL, through node-postgres (`pg`, loaded when the first session opens).

import { defineDialect } from "../module.js";
import { connectTimeoutOf, parsePostgresUrl, postgresConnection } from "./url.js";

export const postgres = defineDialect({
  name: "postgres",
  schemes: ["postgres", "postgresql"],
  requirementNames: { postgres: "postgres", postgresql: "postgres" },
  urlForms: ["postgres://user:password@host:5432/database"],
  schemeHint: "postgres://",
  parseUrl: parsePostgresUrl,
  databaseName: (url) => url.database,
  // a tenant is a schema of the URL's database, first on the search_path, holding its own history
  placeTenant: (_parsed, url, schema) => ({ url, schema }),
  async openShadow(request) {
    const { openPostgresShadow } = await import("./shadow.js");
    return openPostgresShadow(request);
  },
  async measure() {
    const { postgresMeasure } = await import("./measure.js");
    return postgresMeasure;
  },
  async create(url, target) {
    const { postgresDialect } = await import("./postgres-dialect.js");
    return postgresDialect({
      connection: postgresConnection(url, target.filePassword ?? target.environment["PGPASSWORD"]),
      displayUrl: target.displayUrl,
      connectTimeoutMs: connectTimeoutOf(url.params["connect_timeout"]),
      schema: target.schema,
      schemaOrigin: target.schemaOrigin,
      ...(target.client === undefined ? {} : { client: target.client }),
    });
  },
});
