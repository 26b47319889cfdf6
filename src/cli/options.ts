// Turns commander's raw option values into the library's option objects. Pure: every bad value
// becomes a one-sentence usage error (exit 2) naming the flag and the value.

import { ConfigError, displayUrl, parseDuration as durationOf } from "../basics.js";
import type { DownOptions, HistoryOptions, Ordering, PlanOptions, UpOptions } from "../index.js";
import type { Verbosity } from "./io.js";
import type { FlagSettings } from "./library.js";

export type RawOptions = Readonly<Record<string, unknown>>;

/** A usage error: exit code 2, code `USAGE`. */
export function usageError(message: string, fix?: string): ConfigError {
  return new ConfigError(message, fix === undefined ? { code: "USAGE" } : { code: "USAGE", fix });
}

/** A value from the command line as a usage error echoes it: a URL (put there by mistake) as URLs are shown. */
function echoed(value: unknown): string {
  const given = String(value);
  return given.includes("@") || /pass|pwd/i.test(given) ? displayUrl(given) : given;
}

function text(raw: RawOptions, key: string): string | undefined {
  const value = raw[key];
  return typeof value === "string" ? value : undefined;
}

function flag(raw: RawOptions, key: string): boolean {
  return raw[key] === true;
}

export function parsePositiveInteger(name: string, value: string): number {
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(`${name} expects a positive integer, got "${echoed(value)}"`);
  }
  return n;
}

/** `5000` and `5000ms` are milliseconds, `10s` seconds, `2m` minutes, `1h` an hour: as in the config. */
export function parseDuration(name: string, value: string): number {
  const ms = durationOf(value);
  if (ms === undefined) {
    throw usageError(`${name} expects a duration such as 5000 (ms), 10s or 2m, got "${echoed(value)}"`);
  }
  return ms;
}

// digits in parts separated by `.` or `_` (`003`, Flyway's `1.1` or `2024.01.05.1`), then an optional name
const VERSION_ARG = /^\d+(?:[._]\d+)*(?:_[\p{L}\p{N}_-]+)?$/u;

/** A version as written in a file name (`003`, `1.1`), or a full id (`003_add_orders`). */
export function parseVersion(name: string, value: string): string {
  const trimmed = value.trim();
  if (!VERSION_ARG.test(trimmed)) {
    throw usageError(`${name} expects a version such as 003, 1.1 or 003_add_orders, got "${echoed(value)}"`);
  }
  return trimmed;
}

export function parseOrdering(value: string): Ordering {
  if (value === "linear" || value === "graph") return value;
  throw usageError(`--ordering expects linear or graph, got "${echoed(value)}"`);
}

/** `--dry-run` alone is `true`; `--dry-run=rehearse` runs and rolls back. */
export function parseDryRun(value: unknown): boolean | "rehearse" {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (value === "rehearse") return "rehearse";
  throw usageError(`--dry-run accepts no value or "rehearse", got "${echoed(value)}"`);
}

/** At most one of the given flags may be set. */
export function exclusive(given: readonly (readonly [name: string, set: boolean])[]): void {
  const set = given.filter(([, isSet]) => isSet).map(([name]) => name);
  if (set.length > 1) {
    const list = set.length === 2 ? `${set[0]} and ${set[1]}` : `${set.slice(0, -1).join(", ")} and ${set.at(-1)}`;
    throw usageError(`${list} cannot be used together`);
  }
}

export interface GlobalOptions {
  readonly flags: Partial<FlagSettings>;
  readonly configPath: string | undefined;
  readonly envName: string | undefined;
  readonly json: boolean;
  readonly yes: boolean;
  readonly verbosity: Verbosity;
  readonly color: boolean;
}

/** The common flags every command accepts. */
export function parseGlobalOptions(raw: RawOptions): GlobalOptions {
  exclusive([
    ["--quiet", flag(raw, "quiet")],
    ["--verbose", flag(raw, "verbose")],
  ]);
  const flags: { -readonly [K in keyof FlagSettings]?: FlagSettings[K] } = {};
  const url = text(raw, "url");
  if (url !== undefined) flags.url = nonEmpty("--url", url);
  const dir = text(raw, "dir");
  if (dir !== undefined) flags.dir = nonEmpty("--dir", dir);
  const table = text(raw, "table");
  if (table !== undefined) flags.table = nonEmpty("--table", table);
  const logTable = text(raw, "logTable");
  if (logTable !== undefined) flags.logTable = nonEmpty("--log-table", logTable);
  const schema = text(raw, "schema");
  if (schema !== undefined) flags.schema = nonEmpty("--schema", schema);
  const lockTimeout = text(raw, "lockTimeout");
  if (lockTimeout !== undefined) flags.lockTimeout = parseDuration("--lock-timeout", lockTimeout);
  const ordering = text(raw, "ordering");
  if (ordering !== undefined) flags.ordering = parseOrdering(ordering);

  const configPath = text(raw, "config");
  const envName = text(raw, "env");
  return {
    flags,
    configPath: configPath === undefined ? undefined : nonEmpty("--config", configPath),
    envName: envName === undefined ? undefined : nonEmpty("--env", envName),
    json: flag(raw, "json"),
    yes: flag(raw, "yes"),
    verbosity: flag(raw, "quiet") ? "quiet" : flag(raw, "verbose") ? "verbose" : "normal",
    color: raw["color"] !== false,
  };
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() === "") throw usageError(`${name} expects a value, got ""`);
  return value;
}

/** Settings an `up` flag also feeds into the configuration. */
export interface UpRequest {
  readonly options: Omit<UpOptions, "signal">;
  readonly flags: Partial<FlagSettings>;
}

export function parseUpOptions(raw: RawOptions): UpRequest {
  const to = text(raw, "to");
  const step = text(raw, "step");
  exclusive([
    ["--to", to !== undefined],
    ["--step", step !== undefined],
  ]);
  const parallel = text(raw, "parallel");
  const options: { -readonly [K in keyof UpOptions]?: UpOptions[K] } = {};
  const flags: { -readonly [K in keyof FlagSettings]?: FlagSettings[K] } = {};
  if (to !== undefined) options.to = parseVersion("--to", to);
  if (step !== undefined) options.step = parsePositiveInteger("--step", step);
  const dryRun = parseDryRun(raw["dryRun"]);
  if (dryRun !== false) options.dryRun = dryRun;
  if (flag(raw, "singleTransaction")) options.singleTransaction = true;
  if (parallel !== undefined) {
    options.parallel = parsePositiveInteger("--parallel", parallel);
    flags.parallel = options.parallel;
  }
  if (flag(raw, "backup")) options.backup = true;
  if (flag(raw, "strict")) options.strict = true;
  if (flag(raw, "allowOutOfOrder")) {
    options.allowOutOfOrder = true;
    flags.allowOutOfOrder = true;
  }
  return { options, flags };
}

export function parseDownOptions(versions: readonly string[], raw: RawOptions): Omit<DownOptions, "signal"> {
  const to = text(raw, "to");
  const step = text(raw, "step");
  const batch = flag(raw, "batch");
  const all = flag(raw, "all");
  exclusive([
    ["version arguments", versions.length > 0],
    ["--to", to !== undefined],
    ["--step", step !== undefined],
    ["--batch", batch],
    ["--all", all],
  ]);
  const options: { -readonly [K in keyof DownOptions]?: DownOptions[K] } = {};
  if (versions.length > 0) options.versions = versions.map((v) => parseVersion("version", v));
  if (to !== undefined) options.to = parseVersion("--to", to);
  if (step !== undefined) options.step = parsePositiveInteger("--step", step);
  if (batch) options.batch = true;
  if (all) options.all = true;
  const dryRun = raw["dryRun"];
  if (dryRun !== undefined && dryRun !== false && dryRun !== true) {
    throw usageError(`down --dry-run takes no value, got "${echoed(dryRun)}"`);
  }
  if (dryRun === true) options.dryRun = true;
  return options;
}

export function parsePlanOptions(raw: RawOptions, allowOutOfOrder: boolean): PlanOptions {
  const down = flag(raw, "down");
  const to = text(raw, "to");
  const step = text(raw, "step");
  const batch = flag(raw, "batch");
  const all = flag(raw, "all");
  exclusive([
    ["--to", to !== undefined],
    ["--step", step !== undefined],
    ["--batch", batch],
    ["--all", all],
  ]);
  if (!down && (batch || all)) {
    throw usageError(`${batch ? "--batch" : "--all"} only applies to a rollback plan`, "add --down");
  }
  const options: { -readonly [K in keyof PlanOptions]?: PlanOptions[K] } & { direction: "up" | "down" } = {
    direction: down ? "down" : "up",
  };
  if (to !== undefined) options.to = parseVersion("--to", to);
  if (step !== undefined) options.step = parsePositiveInteger("--step", step);
  if (batch) options.batch = true;
  if (all) options.all = true;
  if (allowOutOfOrder && !down) options.allowOutOfOrder = true;
  return options;
}

export function parseHistoryOptions(raw: RawOptions): HistoryOptions {
  const limit = text(raw, "limit");
  const version = text(raw, "version");
  const options: { -readonly [K in keyof HistoryOptions]?: HistoryOptions[K] } = {};
  if (limit !== undefined) options.limit = parsePositiveInteger("--limit", limit);
  if (version !== undefined) options.version = parseVersion("--version", version);
  return options;
}

export function parseResolveOutcome(raw: RawOptions): "applied" | "rolled-back" {
  const applied = flag(raw, "applied");
  const rolledBack = flag(raw, "rolledBack");
  exclusive([
    ["--applied", applied],
    ["--rolled-back", rolledBack],
  ]);
  if (!applied && !rolledBack) {
    throw usageError("resolve needs --applied or --rolled-back to say what happened to the migration");
  }
  return applied ? "applied" : "rolled-back";
}

export function parseCreateKind(raw: RawOptions): "sql" | "ts" {
  const sql = flag(raw, "sql");
  const ts = flag(raw, "ts");
  exclusive([
    ["--sql", sql],
    ["--ts", ts],
  ]);
  return ts ? "ts" : "sql";
}

/** A fleet run's flags: which targets, how many at once, canaries, fail-fast. */
export interface FleetFlags {
  readonly selection: { readonly patterns: readonly string[]; readonly all: boolean };
  readonly concurrency: number;
  readonly canary: number;
  readonly failFast: boolean;
}

/** The default of `--concurrency` (the library's DEFAULT_CONCURRENCY). */
export const FLEET_CONCURRENCY = 4;

/** `--target`/`--all-targets` and the flags that go with them; undefined when the command runs on one database. */
export function parseFleetOptions(raw: RawOptions): FleetFlags | undefined {
  const given = raw["target"];
  const patterns = Array.isArray(given) ? given.map(String) : typeof given === "string" ? [given] : [];
  const all = flag(raw, "allTargets");
  const concurrency = text(raw, "concurrency");
  const canary = text(raw, "canary");
  const failFast = flag(raw, "failFast");
  exclusive([
    ["--target", patterns.length > 0],
    ["--all-targets", all],
  ]);
  if (patterns.length === 0 && !all) {
    const stray = concurrency !== undefined ? "--concurrency" : canary !== undefined ? "--canary" : failFast ? "--fail-fast" : undefined;
    if (stray !== undefined) throw usageError(`${stray} only applies to a fleet run`, "add --target <name> or --all-targets");
    return undefined;
  }
  for (const pattern of patterns) nonEmpty("--target", pattern);
  return {
    selection: { patterns, all },
    concurrency: concurrency === undefined ? FLEET_CONCURRENCY : parsePositiveInteger("--concurrency", concurrency),
    canary: canary === undefined ? 0 : parseCount("--canary", canary),
    failFast,
  };
}

/** 0 or more. */
function parseCount(name: string, value: string): number {
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n)) {
    throw usageError(`${name} expects a number of targets (0 or more), got "${echoed(value)}"`);
  }
  return n;
}
