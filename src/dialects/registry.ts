// The only list of dialects. Everything outside src/dialects/ that depends on the kind of database
// asks this registry (or the Dialect it builds), never compares a dialect's name. A dialect's
// index.ts is light (names, URL parsing); its implementation and its driver load only when a
// Dialect is created and a session opened, so a SQLite run never loads pg or mysql2.

import { ConfigError } from "../core/errors.js";
import type { DialectModule, ParsedUrl, TenantPlace } from "./module.js";
import { mysql } from "./mysql/index.js";
import { postgres } from "./postgres/index.js";
import { sqlite } from "./sqlite/index.js";
import { maskPassword, maskQueryPassword, schemeOf, WINDOWS_DRIVE, type UrlText } from "./url-parts.js";
import { option } from "../core/vocabulary.js";

const DIALECTS = [sqlite, postgres, mysql] as const;

/** The database used when no URL is configured. */
export const DEFAULT_URL = "sqlite:./stratum.db";

/** The URL of a database in the local file `path` (absolute), of the default URL's dialect. */
export function localDatabaseUrl(path: string): string {
  return `sqlite:${path}`;
}

/** A parsed database URL, of whichever dialect. */
export type DatabaseUrl = ReturnType<(typeof DIALECTS)[number]["parseUrl"]>;

/** Every registered dialect, in the order messages list them. */
export function dialectModules(): readonly DialectModule[] {
  return DIALECTS;
}

/** The dialect a URL scheme (lower-case, no colon) belongs to, or undefined. */
export function dialectForScheme(scheme: string): DialectModule | undefined {
  const wanted = scheme.toLowerCase();
  return DIALECTS.find((module) => module.schemes.includes(wanted));
}

/** Dialect names, e.g. for messages. */
export function dialectNames(): readonly string[] {
  return DIALECTS.map((module) => module.name);
}

/**
 * The dialect tags a migration file name may carry (`001_x.postgres.up.sql`): the dialects' names.
 * A file with a tag belongs to that dialect only and replaces the untagged file of its version there.
 */
export function dialectFileTags(): readonly string[] {
  return dialectNames();
}

/**
 * Every name a `-- stratum:requires` line may use, mapped to the server flavour it means
 * (`postgresql` → `postgres`); the flavour is what `Connection.serverInfo()` answers.
 */
export function requirementFlavours(): Readonly<Record<string, string>> {
  // no prototype: `constructor>=1` names no database
  const flavours: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const module of DIALECTS) Object.assign(flavours, module.requirementNames);
  return flavours;
}

/** Example URLs of every dialect, for messages. */
export const SUPPORTED_URL_FORMS: readonly string[] = DIALECTS.flatMap((module) => module.urlForms);

const FORMS_SENTENCE = `use one of ${SUPPORTED_URL_FORMS.join(", ")}`;

/** `Use a sqlite:, postgres:// or mysql:// URL, or a path ending in .db.` */
function unsupportedFix(): string {
  const schemes = DIALECTS.map((module) => module.schemeHint);
  const listed = schemes.length < 2 ? schemes.join("") : `${schemes.slice(0, -1).join(", ")} or ${schemes.at(-1)}`;
  const bare = DIALECTS.flatMap((module) => (module.bareText === undefined ? [] : [`, or ${module.bareText.hint}`])).join("");
  return `Use a ${listed} URL${bare}.`;
}

/** The dialect that reads this URL and the URL as it reads it, or undefined when none does. */
function moduleFor(raw: string): { readonly module: DialectModule; readonly scheme: string | undefined } | undefined {
  const scheme = schemeOf(raw);
  const byScheme = scheme === undefined ? undefined : dialectForScheme(scheme);
  if (byScheme !== undefined) return { module: byScheme, scheme };
  const byText = DIALECTS.find((module) => module.bareText?.claims(raw) === true);
  return byText === undefined ? undefined : { module: byText, scheme: undefined };
}

/**
 * Parses a database URL with its dialect. Throws ConfigError — showing the URL with its password
 * hidden — for an unsupported scheme or a URL that cannot be read. `origin` names where the URL
 * came from (`STRATUM_URL`, `"url" in stratum.config.json`) for the message.
 */
export function parseDatabaseUrl(url: string, origin?: string): DatabaseUrl {
  return parseWithModule(url, origin).parsed as DatabaseUrl;
}

/** The dialect module of a URL and the URL parsed by it. */
export function parseWithModule(url: string, origin?: string): { readonly module: DialectModule; readonly parsed: ParsedUrl } {
  const raw = url.trim();
  const where = origin === undefined ? "" : ` (from ${origin})`;
  if (raw === "") {
    throw new ConfigError(`the database URL${where} is empty; ${FORMS_SENTENCE}`, { fix: `Set url, DATABASE_URL or ${option("url")}.` });
  }
  const found = moduleFor(raw);
  if (found === undefined) {
    throw new ConfigError(`unsupported database URL "${displayUrl(raw)}"${where}; ${FORMS_SENTENCE}`, { fix: unsupportedFix() });
  }
  const text: UrlText = { raw, scheme: found.scheme, where, forms: FORMS_SENTENCE };
  return { module: found.module, parsed: found.module.parseUrl(text) };
}

/** The dialect name of a URL, or undefined when the URL does not parse. */
export function dialectNameOf(url: string): string | undefined {
  try {
    return parseWithModule(url).module.name;
  } catch {
    return undefined;
  }
}

/**
 * The one way a database URL is shown: the URL as written, with its password slot replaced by
 * `***` (see maskPassword). Text a dialect shows verbatim (a SQLite path, which may hold `:` and
 * `@` and has no password) keeps every character but a `password=` query parameter's value.
 */
export function displayUrl(url: string): string {
  const masked = maskQueryPassword(url);
  if (WINDOWS_DRIVE.test(masked) || DIALECTS.some((module) => module.showsVerbatim?.(masked) === true)) return masked;
  return maskPassword(url);
}

/**
 * Makes a relative URL absolute against `baseDir` (the config file's directory, or the working
 * directory) where the dialect has relative URLs (SQLite paths); others are returned unchanged.
 */
export function resolveDatabaseUrl(url: string, baseDir: string): string {
  const { module, parsed } = parseWithModule(url);
  return module.resolveUrl === undefined ? url : module.resolveUrl(parsed, url, baseDir);
}

/** A fleet target's URL, read once: what resolving a fleet and configuring a target need of it. */
export interface TargetUrl {
  /** The URL, a relative file made absolute against the base directory (see resolveDatabaseUrl). */
  readonly url: string;
  /** The database it names (a file's base name for a file database), when it names one. */
  readonly database: string | undefined;
  /** Why a tenant cannot be a schema here (`a sqlite database has no schemas`), else undefined. */
  readonly noSchemas: string | undefined;
  /** Where the tenant `schema` lives on this server (see DialectModule.placeTenant); undefined when noSchemas. */
  place(schema: string): TenantPlace | undefined;
}

/** Reads a target's URL with one parse; throws ConfigError (password hidden, `origin` named) for a bad URL. */
export function readTargetUrl(url: string, baseDir: string, origin?: string): TargetUrl {
  const raw = url.trim();
  const { module, parsed } = parseWithModule(raw, origin);
  const absolute = module.resolveUrl === undefined ? raw : module.resolveUrl(parsed, raw, baseDir);
  const placeTenant = module.placeTenant;
  return {
    url: absolute,
    database: module.databaseName?.(parsed),
    noSchemas: placeTenant === undefined ? `a ${module.name} database has no schemas` : undefined,
    place: (schema) => placeTenant?.(parsed, absolute, schema),
  };
}
