// Turning what a config, a targets file or a control database says about a target into a
// FleetTarget: its URL read (once per distinct URL, so a thousand tenants of one server cost one
// parse), a schema refused where the kind of database has none, the result a small plain object.

import { dirname } from "node:path";

import type { ResolvedConfig } from "../config/types.js";
import { ConfigError } from "../core/errors.js";
import { databaseNameOf, parseDatabaseUrl, placeTenant, resolveDatabaseUrl } from "../dialects/registry.js";
import type { FleetTarget } from "./types.js";

/** What is known of one URL: the database it names, and why a schema cannot be placed there. */
interface UrlFacts {
  readonly database: string | undefined;
  readonly noSchemas: string | undefined;
}

/** Reads a URL's facts; throws ConfigError (password hidden, `origin` named) for a URL that is not a database's. */
export type UrlReader = (url: string, origin: string) => UrlFacts;

/** A UrlReader that reads each distinct URL once. */
export function urlReader(): UrlReader {
  const known = new Map<string, UrlFacts>();
  return (url, origin) => {
    let facts = known.get(url);
    if (facts === undefined) {
      parseDatabaseUrl(url, origin);
      const placed = placeTenant(url, "tenant");
      facts = { database: databaseNameOf(url), noSchemas: "unsupported" in placed ? placed.unsupported : undefined };
      known.set(url, facts);
    }
    return facts;
  };
}

/**
 * The target `name` at `url` (with `schema`, a tenant of that server), checked: `origin` names it
 * in messages (`target "eu" at targets.json:4`).
 */
export function fleetTarget(name: string, url: string, schema: string | undefined, origin: string, urls: UrlReader): FleetTarget {
  const facts = urls(url, origin);
  if (schema === undefined) return { name, url };
  if (facts.noSchemas !== undefined) {
    throw new ConfigError(`${origin} has the schema "${schema}", but ${facts.noSchemas}`, {
      key: "targets",
      fix: "Give the target a url of its own and no schema.",
    });
  }
  return { name, url, schema };
}

/** A URL with a relative SQLite file made absolute against `baseDir`; a URL that does not parse stays (fleetTarget names it). */
export function absoluteUrl(url: string, baseDir: string): string {
  try {
    return resolveDatabaseUrl(url.trim(), baseDir);
  } catch {
    return url;
  }
}

/** The directory relative paths of the config are relative to: its file's, else the working directory. */
export function configDirectory(config: ResolvedConfig): string {
  return config.configFile === undefined ? config.cwd : dirname(config.configFile);
}
