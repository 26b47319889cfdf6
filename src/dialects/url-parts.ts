// What every database URL shares, whatever its dialect: the scheme, the server form
// (`scheme://user:password@host:port/database?params`), percent-decoding, query parameters and the
// masking of a password. Each dialect folder reads its own URLs with these (its url.ts).

import { readFileSync } from "node:fs";

import { ConfigError } from "../core/errors.js";
import { REDACTED } from "../text/redact.js";

/** A URL being parsed, and where it came from, for messages. */
export interface UrlText {
  /** The URL as written, trimmed. */
  readonly raw: string;
  /** Its scheme, lower-case, when it has one the registry knows. */
  readonly scheme: string | undefined;
  /** ` (from STRATUM_URL)`, or empty. */
  readonly where: string;
  /** The sentence listing the supported forms (`use one of sqlite:./file.db, …`). */
  readonly forms: string;
}

export const ENCODE_FIX =
  "Percent-encode special characters in the user name and password (encodeURIComponent), e.g. @ as %40, # as %23, / as %2F.";

const EMPTY_HOST = "stratum-empty-host";
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** `C:\data\x.db`: a Windows path, not a URL with scheme `c`. */
export const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/** The scheme of a URL, lower-case, or undefined (none, or a Windows drive letter). */
export function schemeOf(raw: string): string | undefined {
  return WINDOWS_DRIVE.test(raw) ? undefined : SCHEME.exec(raw)?.[1]?.toLowerCase();
}

/** Query parameters that hold a secret: `password`, `sslpassword`, `passwd`, `pass`, `pwd`, …. */
const SECRET_PARAM = /[?&;][\w.-]*?(?:password|passwd|pass|pwd)=/i;

/**
 * The URL with its password slot replaced by `***` — the user-info password, and a
 * `password=`-style query parameter (its value and everything after it, since an unencoded
 * password may hold `&`). Works on strings that do not parse: everything between the user name and
 * the last `@` is treated as the password (a `@` later in the URL over-masks).
 */
export function maskPassword(url: string): string {
  return maskUserInfo(maskQueryPassword(url));
}

/** The query-parameter masking of maskPassword alone (for text whose other characters all stay). */
export function maskQueryPassword(url: string): string {
  const trimmed = url.trim();
  const queryAt = trimmed.indexOf("?");
  const secret = queryAt < 0 ? null : SECRET_PARAM.exec(trimmed.slice(queryAt));
  return secret === null ? trimmed : `${trimmed.slice(0, queryAt + secret.index + secret[0].length)}${REDACTED}`;
}

function maskUserInfo(raw: string): string {
  // With `scheme://` the password follows the user name; without it (`user:pw@host`, `pg:u:pw@h`) be
  // safe and hide everything from the first colon.
  const authorityStart = raw.indexOf("://");
  const start = authorityStart >= 0 ? authorityStart + 3 : 0;
  const lastAt = raw.lastIndexOf("@");
  if (lastAt < start) return raw;
  const colon = raw.indexOf(":", start);
  if (colon < 0 || colon >= lastAt || colon + 1 === lastAt) return raw;
  // `user@host:port/db?x=a@b`: the colon is the port's, after the user-info — no password slot
  if (/[@/?#]/.test(raw.slice(start, colon))) return raw;
  return `${raw.slice(0, colon + 1)}${REDACTED}${raw.slice(lastAt)}`;
}

/** The parts of `scheme://user:password@host:port/database?params`, decoded. */
export interface ServerParts {
  readonly host: string | undefined;
  readonly port: string | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  /** Decoded query parameters, in order; the dialect parsers consume what they understand. */
  readonly params: Map<string, string>;
}

/** Splits a server URL into its parts; throws ConfigError (password hidden) when it cannot be read. */
export function parseServerUrl(url: UrlText): ServerParts {
  const { raw } = url;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw unparsable(url, "it should start with scheme://");
  }
  // `postgres://user:pw@/db?host=/socket/dir`: credentials with an empty host, which WHATWG URLs
  // reject; parse it with a placeholder host.
  const emptyHost = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@(?=[/?]|$)/i.exec(raw);
  let parsed: URL;
  try {
    parsed = new URL(emptyHost === null ? raw : `${emptyHost[0]}${EMPTY_HOST}${raw.slice(emptyHost[0].length)}`);
  } catch {
    const hint = raw.includes("@") ? " (special characters in the user name or password must be percent-encoded)" : "";
    throw unparsable(url, `it is not a valid URL${hint}`);
  }
  if (parsed.hash !== "") {
    throw unparsable(url, "it contains a # (a password with # must be percent-encoded as %23)");
  }
  const host = parsed.hostname === "" || parsed.hostname === EMPTY_HOST ? undefined : decodeComponent(parsed.hostname, "host", url);
  if (host !== undefined && host.includes(",")) {
    throw new ConfigError(`the database URL "${maskPassword(raw)}"${url.where} names several hosts; Stratum connects to one host`);
  }
  const path = parsed.pathname.replace(/^\//, "");
  return {
    host: host?.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host,
    port: parsed.port === "" ? undefined : parsed.port,
    user: emptyToUndefined(decodeComponent(parsed.username, "user name", url)),
    password: emptyToUndefined(decodeComponent(parsed.password, "password", url)),
    database: emptyToUndefined(decodeComponent(path, "database name", url)),
    params: new Map(Object.entries(parseQuery(parsed.search.replace(/^\?/, ""), url))),
  };
}

export function parsePort(value: string | undefined, fallback: number, url: UrlText): number {
  if (value === undefined || value === "") return fallback;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ConfigError(`invalid port "${value}" in the database URL "${maskPassword(url.raw)}"${url.where}; use a number from 1 to 65535`);
  }
  return port;
}

export function parseBooleanParam(value: string, name: string, url: UrlText): boolean {
  const normal = value.toLowerCase();
  if (["true", "1", "yes", "on"].includes(normal)) return true;
  if (["false", "0", "no", "off"].includes(normal)) return false;
  throw new ConfigError(`invalid ${name}=${value} in the database URL "${maskPassword(url.raw)}"${url.where}; use true or false`);
}

/** `a=1&b=x%20y` → decoded pairs; `+` stays a plus (libpq does not read it as a space). */
export function parseQuery(query: string, url: UrlText): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq >= 0 ? pair.slice(0, eq) : pair, "query parameter", url);
    const value = eq >= 0 ? decodeComponent(pair.slice(eq + 1), `value of ${name}`, url) : "";
    out[name] = value;
  }
  return out;
}

export function decodeComponent(text: string, what: string, url: UrlText): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigError(`the ${what} in the database URL "${maskPassword(url.raw)}"${url.where} has a malformed percent-encoding`, {
      fix: ENCODE_FIX,
    });
  }
}

export function unparsable(url: UrlText, why: string): ConfigError {
  return new ConfigError(`cannot parse the database URL "${maskPassword(url.raw)}"${url.where}: ${why}; ${url.forms}`, {
    fix: ENCODE_FIX,
  });
}

export function emptyToUndefined(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

export function encodeParams(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}

/** The TLS files a URL names, read now, so a missing one is a configuration error before connecting. */
export function readCertificates(files: { readonly ca?: string; readonly cert?: string; readonly key?: string }): Record<string, string> {
  return { ...readCertificate(files.ca, "ca"), ...readCertificate(files.cert, "cert"), ...readCertificate(files.key, "key") };
}

function readCertificate(path: string | undefined, what: string): { readonly [key: string]: string } {
  if (path === undefined) return {};
  try {
    return { [what]: readFileSync(path, "utf8") };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS file ${path} named in the database URL: ${(error as NodeJS.ErrnoException).code ?? "error"}`, {
      key: "url",
      fix: "check the certificate paths in the URL's query parameters",
    });
  }
}
