// Turning what a config, a targets file or a control database says about a target into a
// FleetTarget: its URL read once per distinct URL (a thousand tenants of one server cost one
// parse), a relative SQLite file made absolute, a schema refused where the kind of database has
// none, the result a small plain object.

import { dirname } from "node:path";

import type { ResolvedConfig } from "../config/types.js";
import { ConfigError } from "../core/errors.js";
import { readTargetUrl, type TargetUrl } from "../dialects/registry.js";
import type { FleetTarget } from "./types.js";

/** Reads a URL (relative files against one directory); throws ConfigError naming `origin` for a URL that is not a database's. */
export type UrlReader = (url: string, origin: string) => TargetUrl;

/** A UrlReader that reads each distinct URL once; relative SQLite files are relative to `baseDir`. */
export function urlReader(baseDir: string): UrlReader {
  const known = new Map<string, TargetUrl>();
  return (url, origin) => {
    let read = known.get(url);
    if (read === undefined) {
      read = readTargetUrl(url, baseDir, origin);
      known.set(url, read);
    }
    return read;
  };
}

/**
 * The target `name` at `url` (with `schema`, a tenant of that server), checked: `origin` names it
 * in messages (`target "eu" at targets.json:4`).
 */
export function fleetTarget(name: string, url: TargetUrl, schema: string | undefined, origin: string): FleetTarget {
  if (schema === undefined) return { name, url: url.url };
  if (url.noSchemas !== undefined) throw schemaRefused(origin, schema, url.noSchemas);
  return { name, url: url.url, schema };
}

export function schemaRefused(origin: string, schema: string, why: string): ConfigError {
  return new ConfigError(`${origin} has the schema "${schema}", but ${why}`, {
    key: "targets",
    fix: "Give the target a url of its own and no schema.",
  });
}

/** The directory relative paths of the config are relative to: its file's, else the working directory. */
export function configDirectory(config: ResolvedConfig): string {
  return config.configFile === undefined ? config.cwd : dirname(config.configFile);
}
