// The shape of a dialect folder's index.ts: everything the rest of Stratum knows about a database
// kind without loading its driver (name, URL schemes, requirement names, URL parsing), and how to
// build its Dialect (which loads the dialect's implementation, and later its driver, on demand).

import type { Statement } from "../core/types.js";
import type { Dialect } from "./dialect.js";
import type { DialectMeasure } from "./measure.js";
import type { ShadowDatabase, ShadowRequest } from "./shadow.js";
import type { UrlText } from "./url-parts.js";

/** What every parsed URL has; each dialect adds its own fields. */
export interface ParsedUrl {
  /** The dialect's name (DialectModule.name). */
  readonly dialect: string;
  /** Query parameters the dialect did not consume, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** Where a dialect connects to, besides its URL. */
export interface DialectTarget {
  readonly url: string;
  readonly schema?: string | undefined;
  /** Where the schema setting came from, for messages. */
  readonly schemaOrigin?: string | undefined;
  readonly passwordFile?: string | undefined;
  /** An existing driver client or pool. */
  readonly client?: unknown;
  readonly cwd: string;
  readonly environment: Readonly<Record<string, string | undefined>>;
}

/** A DialectTarget with its URL read: what DialectModule.create receives. */
export interface ResolvedTarget extends DialectTarget {
  /** The URL with its password masked, for messages. */
  readonly displayUrl: string;
  /** The content of `passwordFile`, when one is set. */
  readonly filePassword: string | undefined;
}

export interface DialectModule<Url extends ParsedUrl = ParsedUrl> {
  /** `Dialect.name`, `migrator.dialect`, the `dialect` of a parsed URL. */
  readonly name: string;
  /** URL schemes, lower-case, without the colon. */
  readonly schemes: readonly string[];
  /**
   * Names a `-- stratum:requires` line may use for this dialect, each mapped to the server flavour
   * it means (what `Connection.serverInfo().flavor` answers), e.g. `postgresql` → `postgres`.
   */
  readonly requirementNames: Readonly<Record<string, string>>;
  /** Example URLs, for the "use one of …" sentence of URL errors. */
  readonly urlForms: readonly string[];
  /** The scheme as the fix of an unsupported URL names it (`postgres://`). */
  readonly schemeHint: string;
  /**
   * Text without a registered scheme that this dialect reads as its URL (SQLite: `:memory:`, a
   * path ending in .db), and how the fix of an unsupported URL names it.
   */
  readonly bareText?: { claims(raw: string): boolean; readonly hint: string };
  /**
   * Set where the server takes one statement per call (MySQL): splits a statement another tool
   * marked as one (a goose StatementBegin/End block) into those it holds, a stored program whole.
   */
  readonly splitMarkedStatement?: (sql: string) => readonly Statement[];
  /** Parses and validates a URL with one of `schemes` (or claimed by bareText); throws ConfigError. */
  parseUrl(url: UrlText): Url;
  /**
   * Whether this text is shown as written (but for a `password=` query parameter): true where the
   * text is a path that may hold `:` and `@` and there is no password (SQLite).
   */
  showsVerbatim?(raw: string): boolean;
  /** Makes a URL relative to `baseDir` absolute (SQLite's relative paths); other URLs stay. */
  resolveUrl?(parsed: Url, url: string, baseDir: string): string;
  /**
   * The name of the database a URL reaches, as a fleet names a target that has no name of its own:
   * the server's database, a file's base name. Undefined when the URL names none.
   */
  databaseName?(parsed: Url): string | undefined;
  /**
   * How a fleet reaches a tenant named by a schema on the server of `url` (a target with a
   * `schema`): the URL and the `schema` setting to run with. Where a schema is a namespace inside
   * the database, the same URL with the schema set; where a schema is a database of its own, the
   * URL naming that database. Absent where a database has no schemas (a tenant is a file of its own).
   */
  placeTenant?(parsed: Url, url: string, schema: string): TenantPlace;
  /**
   * Creates (or starts) a scratch database of this dialect for `verify` and `drift --replay`;
   * throws a ConfigError saying what to install or configure when it cannot.
   */
  openShadow?(request: ShadowRequest): Promise<ShadowDatabase>;
  /** How `lint --measure` seeds tables and watches one statement run on the shadow (loaded on demand). */
  measure?(): Promise<DialectMeasure>;
  /** Builds the Dialect; imports its implementation (and, on connect, its driver) only now. */
  create(url: Url, target: ResolvedTarget): Promise<Dialect>;
}

/** Where a fleet's tenant lives: the URL to connect to and, where the tenant is a schema, the schema. */
export interface TenantPlace {
  readonly url: string;
  readonly schema?: string;
}

/** Declares a dialect module, keeping its URL type. */
export function defineDialect<Url extends ParsedUrl>(module: DialectModule<Url>): DialectModule<Url> {
  return module;
}
