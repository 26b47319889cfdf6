// Resolving a fleet: the config's `targets` (a list, a file, a control-database query) into
// FleetTargets, and a selection (`--target`, `--all-targets`) into the ones a command runs on.

import { relative, isAbsolute } from "node:path";

import type { ResolvedConfig, TargetEntry, TargetsSetting } from "../config/types.js";
import { ConfigError } from "../core/errors.js";
import { option } from "../core/vocabulary.js";
import { readTargetUrl } from "../dialects/registry.js";
import { checkSelection, selectTargets } from "./select.js";
import { configDirectory, fleetTarget, schemaRefused, urlReader } from "./targets-entries.js";
import { readTargetsFile } from "./targets-file.js";
import { queryTargets, type ControlOptions } from "./targets-query.js";
import type { FleetTarget, TargetSelection } from "./types.js";

export type ResolveTargetsOptions = ControlOptions;

/**
 * The targets a command runs on, in the config's order, each once. Throws ConfigError (exit 2,
 * one sentence with the fix) for a selection that chooses nothing, `targets` not configured, a bad
 * target, and a pattern matching none; a control database that cannot be reached throws the
 * dialect's error. The query form opens one connection, closed before this returns.
 */
export async function resolveTargets(config: ResolvedConfig, selection: TargetSelection, options: ResolveTargetsOptions = {}): Promise<FleetTarget[]> {
  const setting = config.targets;
  if (setting === undefined) throw notConfigured(config, selection);
  // what is wrong with the choice itself is said before a control database is asked
  checkSelection(selection, isList(setting) ? setting : []);
  const fleet = await loadTargets(config, options);
  return selectTargets(fleet, selection, originOf(config));
}

/** Every target of the fleet, in the config's order (see resolveTargets). */
export async function loadTargets(config: ResolvedConfig, options: ResolveTargetsOptions = {}): Promise<FleetTarget[]> {
  const setting = config.targets;
  if (setting === undefined) throw notConfigured(config, { patterns: [], all: true });
  const origin = originOf(config);
  if (isList(setting)) return listTargets(setting, config, origin);
  if ("file" in setting) return readTargetsFile(setting.file, { name: shownPath(setting.file, config.cwd), origin, defaultUrl: config.url });
  return queryTargets(config, setting, options);
}

/**
 * The fleet's configuration with one target's URL and schema: a relative SQLite file made absolute
 * against the config's directory; a target's schema set as `schema` where a tenant is a schema
 * (PostgreSQL: its own history tables and run lock), or named as the URL's database where a schema
 * is a database (MySQL). Messages about the URL and schema name the target.
 */
export function configForTarget(config: ResolvedConfig, target: FleetTarget): ResolvedConfig {
  const from = `target "${target.name}"`;
  const read = readTargetUrl(target.url, configDirectory(config), from);
  // One connection per target (the session lock on the work connection), and no schema file:
  // every target rewriting one file at once would race, and the file describes one database.
  const { schemaFile: _schemaFile, ...fleetConfig } = config;
  const base: ResolvedConfig = { ...fleetConfig, oneSession: true, origins: { ...config.origins, url: from } };
  if (target.schema === undefined) return { ...base, url: read.url };
  const place = read.place(target.schema);
  if (place === undefined) throw schemaRefused(from, target.schema, read.noSchemas ?? "it has no schemas");
  if (place.schema === undefined) return { ...base, url: place.url };
  return { ...base, url: place.url, schema: place.schema, origins: { ...base.origins, schema: from } };
}

function listTargets(entries: readonly TargetEntry[], config: ResolvedConfig, origin: string): FleetTarget[] {
  // the loader made the entries' relative files absolute already
  const urls = urlReader(configDirectory(config));
  const seen = new Set<string>();
  return entries.map((entry) => {
    // the config's check refuses a name used twice; a list built in code may still hold one
    if (seen.has(entry.name)) {
      throw new ConfigError(`the target name "${entry.name}" is used twice in ${origin}`, { key: "targets", fix: "Give each target its own name." });
    }
    seen.add(entry.name);
    const where = `target "${entry.name}" of ${origin}`;
    return fleetTarget(entry.name, urls(entry.url ?? config.url, where), entry.schema, where);
  });
}

function notConfigured(config: ResolvedConfig, selection: TargetSelection): ConfigError {
  const flag = selection.all ? option("allTargets") : option("target");
  const file = config.configFile === undefined ? undefined : shownPath(config.configFile, config.cwd);
  return new ConfigError(`${flag} runs on the targets of the "targets" setting, and ${file === undefined ? "there is no config file" : `${file} has none`}`, {
    key: "targets",
    fix:
      `Add "targets" to ${file ?? "stratum.config.json"}: a list such as [{ "name": "eu", "url": "postgres://…" }], ` +
      '{ "file": "targets.json" }, or { "query": "select … as url from tenants" } (see docs/fleets.md).',
  });
}

function originOf(config: ResolvedConfig): string {
  return config.origins?.targets ?? '"targets"';
}

function isList(setting: TargetsSetting): setting is readonly TargetEntry[] {
  return Array.isArray(setting);
}

/** A path as messages show it: relative to the working directory when inside it. */
function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
