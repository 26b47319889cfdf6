/**
 * Keeping passwords out of everything Stratum prints.
 *
 * `redactUrl` is a best-effort scan for the usual places a password sits in text: the user-info of a
 * URL (`postgres://user:secret@host`), `password=` / `pwd=` query parameters, libpq-style
 * `password='…'` conninfo and `"password": "…"` JSON members. It errs on the side of hiding too much.
 * When the secret is known (the password of the configured URL, the content of a password file),
 * `createRedactor` removes it wherever it appears, in every encoding it is likely to be printed in.
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

/** Replaces user-info passwords and password parameters in any text. */
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

/**
 * A function that removes every occurrence of each secret — raw, percent-encoded (several flavours),
 * form-encoded, JSON-escaped and SQL/conninfo-quoted — and then applies `redactUrl`.
 * Empty secrets are ignored.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === "") continue;
    for (const form of secretForms(secret)) if (form !== "") forms.add(form);
  }
  if (forms.size === 0) return redactUrl;
  const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join("|"), "g");
  return (text: string) => redactUrl(text.replace(pattern, REDACTED));
}

function secretForms(secret: string): string[] {
  const encoded = new Set<string>([secret]);
  encoded.add(encodeURIComponent(secret));
  encoded.add(encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  encoded.add(encodeURI(secret));
  encoded.add(userinfoEncoded(secret));
  encoded.add(new URLSearchParams({ s: secret }).toString().slice(2));
  // SQL string literal and libpq conninfo quoting.
  encoded.add(secret.replace(/'/g, "''"));
  encoded.add(secret.replace(/\\/g, "\\\\").replace(/'/g, "\\'"));

  const all = new Set<string>(encoded);
  for (const form of encoded) {
    const json = JSON.stringify(form).slice(1, -1);
    all.add(json);
    all.add(asciiJson(json));
    // JSON inside JSON (an error message embedded in an NDJSON event).
    all.add(JSON.stringify(json).slice(1, -1));
  }
  return [...all];
}

/** How the WHATWG URL serialiser writes a password in the user-info. */
function userinfoEncoded(secret: string): string {
  try {
    const url = new URL("stratum://host");
    url.password = secret;
    return url.password;
  } catch {
    return secret;
  }
}

function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
