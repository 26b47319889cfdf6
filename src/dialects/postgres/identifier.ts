import { ConfigError } from "../../core/errors.js";

/** PostgreSQL quoting: double quotes, embedded `"` doubled. */
export function quotePostgresIdentifier(name: string): string {
  if (typeof name !== "string" || name.length === 0 || name.includes("\u0000")) {
    throw new ConfigError(`invalid PostgreSQL identifier ${JSON.stringify(name)}: it must be a non-empty name without NUL characters; fix the table or schema name`, {
      fix: "use a non-empty table or schema name",
    });
  }
  return `"${name.replace(/"/g, '""')}"`;
}
