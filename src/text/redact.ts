/**
 * Keeping passwords out of what Stratum prints — at the source, never by searching output.
 *
 * Stratum's own messages never contain a password: a URL is shown only through `displayUrl`
 * (dialects/url.ts), which masks its password slot, and connection errors are composed from fields
 * (host, port, user, database, code). What remains is text Stratum did not write — a driver's or a
 * parser's message — which may quote a URL or a conninfo string. `redactUrl` masks the credentials
 * in the known shapes of such text; `printableDriverError` makes a driver error safe to keep as the
 * `cause` of an error that will be printed. Neither looks for the password itself: replacing a
 * password's text wherever it occurs garbles every message that shares its letters and reveals it
 * by the holes it leaves.
 */

export const REDACTED = "***";

/**
 * `scheme://user:password@` — the password runs to the last `@` of the whitespace-delimited run, so an
 * unencoded `@`, `/`, `?` or `#` in it does not leak its tail (a later `@` in the query over-redacts).
 * Inside a JSON string the run first stops at the closing quote (escaped quotes are skipped), so a
 * redacted NDJSON line stays valid JSON.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#"]*):((?:\\.|[^\s"\\])*|\S*)@/gi;

/**
 * `password=…`, `PGPASSWORD=…`, `pwd=…`, `"password": "…"`, `password: …` — quoted values honour
 * backslash escapes, bare values run to whitespace, `&`, `;` or an unescaped `"` (the end of the JSON
 * string they sit in).
 */
const PASSWORD_PARAM =
  /(\b[\w.-]*?(?:password|passwd|pwd))("?\s*[=:]\s*)('(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|(?:\\.|[^\s&;"\\])+)/gi;

/**
 * Masks the credentials in foreign text (a driver's, a parser's or a tool's message): the password
 * of any `scheme://user:password@` URL and the value of `password=`-style parameters. For those
 * fields only — never for Stratum's own output, where it would mangle words such as `password:`.
 */
export function redactUrl(text: string): string {
  return text
    .replace(URL_USERINFO, (_match, scheme: string, user: string, password: string) =>
      password === "" ? `${scheme}${user}:@` : `${scheme}${user}:${REDACTED}@`,
    )
    .replace(PASSWORD_PARAM, (_match, key: string, separator: string, value: string) => {
      const quote = value.startsWith("'") || value.startsWith('"') ? value[0] : "";
      return `${key}${separator}${quote}${REDACTED}${quote}`;
    });
}

/** Fields of a driver error that identify it (kept on the printable copy). */
const IDENTIFYING_FIELDS = ["code", "errno", "sqlState", "severity", "syscall", "address", "port"] as const;

/**
 * A copy of a driver error fit to keep as the `cause` of an error Stratum prints (`--verbose` shows
 * causes): the same name, identifying fields (code, errno, sqlState, …) and stack frames; its text
 * with URL credentials masked — or, with `withText: false`, no server text at all. Use that for a
 * server's answer to the credentials (authentication failures), which a hostile or buggy server may
 * echo the password into and which the caller's own message already describes from fields.
 */
export function printableDriverError(error: unknown, options: { readonly withText: boolean }): Error {
  const source = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const original = error instanceof Error ? error.message : String(error);
  const text = options.withText ? redactUrl(original.replace(/\s+/g, " ").trim()) : "(the server's text is not shown)";
  const copy = new Error(text);
  copy.name = error instanceof Error ? error.name : "Error";
  const frames = error instanceof Error && typeof error.stack === "string" ? error.stack.split("\n").filter((line) => /^\s+at /.test(line)) : [];
  copy.stack = [`${copy.name}: ${text}`, ...frames].join("\n");
  for (const field of IDENTIFYING_FIELDS) {
    const value = source[field];
    if (typeof value === "string" || typeof value === "number") Object.defineProperty(copy, field, { value, enumerable: true });
  }
  return copy;
}
