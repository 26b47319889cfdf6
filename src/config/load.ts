/**
 * Finding, reading and merging configuration.
 *
 * Precedence, lowest first: defaults < the file < `overrides` (the library's options) < the selected
 * `environments.<name>` block (the file's, then the options') < environment variables < flags.
 * Relative paths (`dir`, `backupDir`, `passwordFile`, SQLite files) resolve against the config file's
 * directory when the file set them, else against `cwd`. A key the selected environment block sets to
 * undefined (an unset variable) is an error unless a variable or flag outranks it: an environment
 * never falls back to the top-level value.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, relative, resolve } from "node:path";

import { ConfigError, configProblemsText } from "../core/errors.js";
import { redactUrl } from "../text/redact.js";
import { option, theOption } from "../core/vocabulary.js";
import { DEFAULT_URL, parseDatabaseUrl, resolveDatabaseUrl } from "../dialects/registry.js";
import {
  HOOK_NAMES,
  describeVariables,
  validateSetting,
  validateUserConfig,
  type CheckOptions,
  type SettingKey,
  type VariableRead,
} from "./schema.js";
import type { Hooks, ParsedConfig, ParsedSettings, ResolvedConfig, TargetEntry, TargetsSetting, UserConfig } from "./types.js";
import { CONFIG_FILE_NAMES } from "./file-names.js";
import type { LayoutFormat } from "../source/layouts/detect.js";

export const DEFAULTS = {
  url: DEFAULT_URL,
  dir: "./migrations",
  ordering: "linear",
  table: "stratum_migrations",
  logTable: "stratum_log",
  lockTimeout: 10_000,
  parallel: 1,
  transaction: "each",
  allowOutOfOrder: false,
  protected: false,
  backupDir: "./backups",
} as const satisfies ParsedSettings;

/**
 * The settings the CLI takes as flags, as it gives them: strings (or numbers and booleans when it
 * has already converted them). Undefined means "not given".
 */
export interface FlagSettings {
  readonly url: string | undefined;
  readonly dir: string | undefined;
  readonly ordering: string | undefined;
  readonly table: string | undefined;
  readonly logTable: string | undefined;
  readonly schema: string | undefined;
  readonly lockTimeout: number | string | undefined;
  readonly parallel: number | string | undefined;
  readonly transaction: string | undefined;
  readonly allowOutOfOrder: boolean | string | undefined;
}

export interface ResolveConfigInput {
  readonly cwd: string;
  /** `--config`: a file (or a directory to search), relative to cwd. */
  readonly configPath?: string;
  /**
   * Whether to look for `stratum.config.*` in cwd when no configPath is given (the CLI does; the
   * library reads no file unless given one). Default true.
   */
  readonly searchCwd?: boolean;
  /** `--env`. */
  readonly envName?: string;
  readonly flags: Partial<FlagSettings>;
  /** Environment variables (`process.env` in the CLI). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The library's options: only UserConfig keys, at the file's level, above the file. */
  readonly overrides?: UserConfig;
}

/** Environment variables and the setting each one sets; the later of two for one key wins. */
export const ENVIRONMENT_VARIABLES: readonly (readonly [string, FlagKey])[] = [
  ["DATABASE_URL", "url"],
  ["STRATUM_URL", "url"],
  ["STRATUM_DIR", "dir"],
  ["STRATUM_TABLE", "table"],
  ["STRATUM_LOG_TABLE", "logTable"],
  ["STRATUM_SCHEMA", "schema"],
  ["STRATUM_LOCK_TIMEOUT", "lockTimeout"],
  ["STRATUM_PARALLEL", "parallel"],
  ["STRATUM_ORDERING", "ordering"],
  ["STRATUM_TRANSACTION", "transaction"],
];

type FlagKey = keyof FlagSettings & SettingKey;

/** The settings the CLI takes as flags; messages name each through the installed vocabulary. */
const FLAG_KEYS: readonly FlagKey[] = [
  "url",
  "dir",
  "ordering",
  "table",
  "logTable",
  "schema",
  "lockTimeout",
  "parallel",
  "transaction",
  "allowOutOfOrder",
];

/**
 * The config file to use: `explicit` (resolved against cwd; a directory is searched) or the first of
 * CONFIG_FILE_NAMES in cwd. An explicit path that does not exist is a ConfigError.
 */
export function findConfigFile(cwd: string, explicit?: string): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError(`config file ${explicit} does not exist`, {
        key: "config",
        fix: `Check ${theOption("configFile")} path (looked for ${path}).`,
      });
    }
    if (!statSync(path).isDirectory()) return path;
    const found = searchDirectory(path);
    if (found === undefined) {
      throw new ConfigError(`no stratum.config file in ${explicit}`, {
        key: "config",
        fix: `Create one of ${CONFIG_FILE_NAMES.join(", ")} there, or point ${option("configFile")} at the file.`,
      });
    }
    return found;
  }
  return searchDirectory(resolve(cwd));
}

/** The config file in `dir`; two of them is an error (which one wins would be a guess). */
function searchDirectory(dir: string): string | undefined {
  const found = CONFIG_FILE_NAMES.filter((name) => {
    const path = join(dir, name);
    return existsSync(path) && statSync(path).isFile();
  });
  const [first, second] = found;
  if (second !== undefined) {
    throw new ConfigError(`found ${found.length} config files in ${dir}: ${found.join(" and ")}; keep one`, {
      key: "config",
      fix: `Move the settings into one of ${found.join(", ")} and delete the other${found.length > 2 ? "s" : ""}, or choose one with ${option("configFile")}.`,
    });
  }
  return first === undefined ? undefined : join(dir, first);
}

/**
 * Reads and validates a config file. JSON is parsed strictly (errors give line:column); `.ts`,
 * `.mts`, `.cts`, `.js`, `.mjs` and `.cjs` are loaded with jiti (the default export, else the
 * module's named exports). `displayBase` is the directory names in messages are relative to.
 */
export async function readConfigFile(path: string, displayBase: string = process.cwd()): Promise<ParsedConfig> {
  return (await loadConfigFile(path, displayBase)).config;
}

/** A validated config, and what it set to undefined (an unset variable, most likely). */
interface LoadedConfig {
  readonly config: ParsedConfig;
  /** Where it came from, for messages: `stratum.config.ts`, `the migrator options`. */
  readonly source: string;
  /** The keys `environments.<name>` sets to undefined, with the unset variables each may have read. */
  readonly unsetIn: (envName: string) => readonly UnsetSetting[];
}

interface UnsetSetting {
  readonly key: SettingKey;
  readonly variables: readonly VariableRead[];
}

async function loadConfigFile(path: string, displayBase: string): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const name = displayName(absolute, displayBase);
  const extension = extname(absolute).toLowerCase();
  if (extension === ".json") {
    const { value, text } = await readJson(absolute, name);
    const lines = jsonKeyLines(text);
    return checkedConfig(value, name, { lineOf: (keyPath) => lines.get(keyPath.join("\u0000")) });
  }
  if (![".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"].includes(extension)) {
    throw new ConfigError(`unsupported config file type ${name}`, {
      key: "config",
      fix: `Use one of ${CONFIG_FILE_NAMES.join(", ")}.`,
    });
  }
  const { value, unsetReads } = await importModule(absolute, name);
  return checkedConfig(value, name, { variablesOf: variablesFor(value, unsetReads) });
}

function checkedConfig(value: unknown, source: string, options: CheckOptions): LoadedConfig {
  const config = validateUserConfig(value, source, options);
  return {
    config,
    source,
    unsetIn: (envName) => {
      const environments = (value as { environments?: Record<string, unknown> }).environments ?? {};
      const block = Object.hasOwn(environments, envName) ? environments[envName] : undefined;
      if (block === null || typeof block !== "object") return [];
      return Object.entries(block)
        .filter(([key, setting]) => setting === undefined && key !== "hooks")
        .map(([key]) => ({
          key: key as SettingKey,
          variables: options.variablesOf?.(["environments", envName, key]) ?? [],
        }));
    },
  };
}

/**
 * Which unset (or empty) variables a setting holding undefined or "" may have come from: the only
 * one read, else the one read at the same position (object literals evaluate in key order), else
 * every candidate.
 */
function variablesFor(value: unknown, unsetReads: readonly VariableRead[]): (path: readonly string[]) => readonly VariableRead[] {
  const distinct = [...new Map(unsetReads.map((read) => [read.name, read])).values()];
  if (distinct.length <= 1) return () => distinct;
  const blanks: string[] = [];
  const walk = (node: unknown, path: readonly string[]): void => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return;
    for (const [key, entry] of Object.entries(node)) {
      if (entry === undefined || entry === "") blanks.push([...path, key].join("\u0000"));
      else if (key === "environments" || path[0] === "environments") walk(entry, [...path, key]);
    }
  };
  walk(value, []);
  const aligned = blanks.length === unsetReads.length;
  return (path) => {
    const index = blanks.indexOf(path.join("\u0000"));
    const read = aligned && index >= 0 ? unsetReads[index] : undefined;
    return read === undefined ? distinct : [read];
  };
}

async function readJson(path: string, name: string): Promise<{ value: unknown; text: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch (error) {
    // V8's message quotes the whole text (a URL with a password, perhaps) and not always a position.
    const found = locateJsonError(text);
    const where = found === undefined ? name : `${name}:${lineColumn(text, found.offset)}`;
    const reason = found?.reason ?? "it is not valid JSON";
    throw new ConfigError(`invalid JSON in ${where}: ${reason}`, {
      cause: error,
      ...(found?.fix === undefined ? {} : { fix: found.fix }),
    });
  }
}

/**
 * Loads a `.ts`/`.js` config, noting the environment variables it reads that are unset or empty
 * (so `url: process.env.PROD_URL` with PROD_URL unset can be named in the error).
 */
async function importModule(path: string, name: string): Promise<{ value: unknown; unsetReads: readonly VariableRead[] }> {
  let createJiti: typeof import("jiti").createJiti;
  try {
    ({ createJiti } = await import("jiti"));
  } catch (error) {
    throw new ConfigError(`cannot load ${name}: the jiti package is not installed`, {
      cause: error,
      fix: "Install jiti, or use stratum.config.json.",
    });
  }
  let loaded: unknown;
  const unsetReads: VariableRead[] = [];
  const environment = process.env;
  process.env = new Proxy(environment, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof key === "string" && (value === undefined || value === "") && readByConfig(path)) {
        unsetReads.push({ name: key, value: value as undefined | "" });
      }
      return value;
    },
  });
  try {
    const jiti = createJiti(import.meta.url, { moduleCache: false });
    loaded = await jiti.import(path, { default: true });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const message = (text.split("\n")[0] ?? "").trim();
    const at = errorLine(error, path);
    throw new ConfigError(`cannot load ${at === undefined ? name : `${name}:${at}`}: ${redactUrl(message)}`, {
      cause: error,
      fix: "Fix the error in the config file; it must export default defineConfig({ ... }).",
    });
  } finally {
    process.env = environment;
  }
  // A module with only named exports: use them as the settings.
  if (loaded !== null && typeof loaded === "object" && Object.prototype.toString.call(loaded) === "[object Module]") {
    return { value: { ...(loaded as Record<string, unknown>) }, unsetReads };
  }
  return { value: loaded, unsetReads };
}

/**
 * Whether the config file's own code is reading (not the loader, nor a module it imports): the
 * caller of the proxy's trap, two frames up from here, is in the file.
 */
function readByConfig(path: string): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  try {
    const caller = (new Error().stack ?? "").split("\n")[3] ?? "";
    return caller.includes(path);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Where in `path` a load error is, as the user's editor counts: `line:column` of a parse error (the
 * parser counts columns from 0); only the line of an error thrown while the file runs, since the
 * stack's columns are those of the transformed code (on line 1, shifted by the loader's wrapper).
 */
function errorLine(error: unknown, path: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(?:file://)?${escaped}:(\\d+):(\\d+)`);
  const parsed = pattern.exec(error.message);
  if (parsed !== null) return `${parsed[1]}:${Number(parsed[2]) + 1}`;
  const thrown = pattern.exec(error.stack ?? "");
  return thrown === null ? undefined : thrown[1];
}

/** Reads the configuration from every source and merges it (see the module comment). */
export async function resolveConfig(input: ResolveConfigInput): Promise<ResolvedConfig> {
  const cwd = resolve(input.cwd);
  const environment = input.environment;
  const configFile = input.configPath === undefined && input.searchCwd === false ? undefined : findConfigFile(cwd, input.configPath);
  // the file's problems and those of the environment variables and flags are reported together
  const [file, variableLayers] = await bothOrAllProblems(
    async () => (configFile === undefined ? undefined : await loadConfigFile(configFile, cwd)),
    async () => variableAndFlagLayers(environment, input.flags, cwd),
    configFile === undefined ? "" : relative(cwd, configFile) || configFile,
  );
  const fileConfig = file?.config ?? {};
  const fileName = file?.source;
  const fileDir = configFile === undefined ? cwd : dirname(configFile);
  const options = input.overrides === undefined ? undefined : checkedConfig(input.overrides, "the migrator options", {});
  const overrides = options?.config ?? {};

  const fromVariable = nonEmpty(environment["STRATUM_ENV"]);
  const envName = nonEmpty(input.envName) ?? fromVariable ?? nonEmpty(environment["NODE_ENV"]) ?? "development";
  const explicitEnv = nonEmpty(input.envName) !== undefined || fromVariable !== undefined;
  const defined = [
    ...Object.keys(fileConfig.environments ?? {}),
    ...Object.keys(overrides.environments ?? {}),
  ];
  const anyEnvironments = fileConfig.environments !== undefined || overrides.environments !== undefined;
  if (explicitEnv && anyEnvironments && !defined.includes(envName)) {
    const known = [...new Set(defined)];
    const given = nonEmpty(input.envName) !== undefined ? option("env") : "STRATUM_ENV";
    throw new ConfigError(
      `environment "${envName}" (from ${given}) is not defined in ${fileName ?? "the migrator options"}; ` +
        (known.length === 0 ? "no environments are defined" : `known environments: ${known.join(", ")}`),
      { key: `environments.${envName}`, fix: `Use one of the known environments or add "${envName}" to environments.` },
    );
  }

  const layers: Layer[] = [
    { settings: DEFAULTS, base: cwd, origin: () => "the default", key: (key) => key },
    {
      settings: withoutEnvironments(fileConfig),
      base: fileDir,
      origin: (key) => `"${key}" in ${fileName}`,
      key: (key) => key,
    },
    {
      settings: withoutEnvironments(overrides),
      base: cwd,
      origin: (key) => `the migrator option ${key}`,
      key: (key) => key,
    },
    {
      settings: fileConfig.environments?.[envName] ?? {},
      base: fileDir,
      origin: (key) => `"environments.${envName}.${key}" in ${fileName}`,
      key: (key) => `environments.${envName}.${key}`,
      from: file,
    },
    {
      settings: overrides.environments?.[envName] ?? {},
      base: cwd,
      origin: (key) => `the migrator option environments.${envName}.${key}`,
      key: (key) => `environments.${envName}.${key}`,
      from: options,
    },
    ...variableLayers,
  ];

  const winners = new Map<SettingKey, Winner>();
  const hooks: Record<string, unknown> = {};
  for (const [rank, layer] of layers.entries()) {
    for (const [key, value] of Object.entries(layer.settings) as [SettingKey, unknown][]) {
      if (value === undefined) continue;
      if (key === "hooks") {
        for (const name of HOOK_NAMES) {
          const hook = (value as Hooks)[name];
          if (hook !== undefined) hooks[name] = hook;
        }
        continue;
      }
      winners.set(key, { value, base: layer.base, origin: layer.origin(key), key: layer.key(key), rank });
    }
  }
  refuseFallback(envName, layers, winners);

  const pick = <K extends SettingKey>(key: K): ParsedSettings[K] => winners.get(key)?.value as ParsedSettings[K];
  const path = (key: "dir" | "backupDir" | "passwordFile" | "schemaFile"): string | undefined => {
    const winner = winners.get(key);
    return winner === undefined ? undefined : resolve(winner.base, winner.value as string);
  };

  const url = resolveUrl(winners.get("url") ?? { value: DEFAULTS.url, base: cwd, origin: "the default", key: "url", rank: 0 });

  const table = pick("table") ?? DEFAULTS.table;
  const logTable = pick("logTable") ?? DEFAULTS.logTable;
  if (table === logTable) {
    throw new ConfigError(`table and logTable are both "${table}" (from ${winners.get("logTable")?.origin ?? "the default"}); they must differ`, {
      key: "logTable",
      fix: "Give the log table its own name.",
    });
  }

  return {
    url,
    dir: path("dir") ?? resolve(cwd, DEFAULTS.dir),
    ordering: pick("ordering") ?? DEFAULTS.ordering,
    table,
    logTable,
    schema: pick("schema"),
    lockTimeoutMs: pick("lockTimeout") ?? DEFAULTS.lockTimeout,
    migrationLockTimeoutMs: pick("migrationLockTimeout"),
    statementTimeoutMs: pick("statementTimeout"),
    parallel: pick("parallel") ?? DEFAULTS.parallel,
    transaction: pick("transaction") ?? DEFAULTS.transaction,
    allowOutOfOrder: pick("allowOutOfOrder") ?? DEFAULTS.allowOutOfOrder,
    protected: pick("protected") ?? DEFAULTS.protected,
    passwordFile: path("passwordFile"),
    backupDir: path("backupDir") ?? resolve(cwd, DEFAULTS.backupDir),
    ...formatOf(pick("format")),
    hooks: hooks as Hooks,
    adoptUserVersion: pick("adoptUserVersion") ?? true,
    ...optional("schemaFile", path("schemaFile")),
    ...optional("shadow", pick("shadow")),
    ...optional("driftCheck", pick("driftCheck")),
    ...optional("lock", pick("lock")),
    ...optional("targets", targetsOf(winners.get("targets"))),
    env: envName,
    configFile,
    cwd,
    origins: Object.fromEntries([...winners].filter(([, winner]) => winner.rank > 0).map(([key, winner]) => [key, winner.origin])),
  };
}

/**
 * The `targets` setting with its paths made absolute against the file or directory it was set in,
 * as `url` is: a `file`, and a relative SQLite file in an entry's or the query's `url`. A URL that
 * does not parse is left as written; resolving the targets names it.
 */
function targetsOf(winner: { readonly value: unknown; readonly base: string } | undefined): TargetsSetting | undefined {
  if (winner === undefined) return undefined;
  const value = winner.value as TargetsSetting;
  const absolute = (url: string): string => {
    try {
      return resolveDatabaseUrl(url.trim(), winner.base);
    } catch {
      return url;
    }
  };
  if (isTargetList(value)) return value.map((entry) => (entry.url === undefined ? entry : { ...entry, url: absolute(entry.url) }));
  if ("file" in value) return { file: resolve(winner.base, value.file) };
  return value.url === undefined ? value : { ...value, url: absolute(value.url) };
}

function isTargetList(value: TargetsSetting): value is readonly TargetEntry[] {
  return Array.isArray(value);
}

/** `{ key: value }` when the value is set, else nothing (the resolved config has no undefined values). */
function optional<K extends string, V>(key: K, value: V | undefined): { readonly [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: V };
}

/** `format` when set (undefined reads as `auto`, so configs without it resolve as before). */
function formatOf(format: LayoutFormat | undefined): { readonly format?: LayoutFormat } {
  return format === undefined ? {} : { format };
}

interface Layer {
  readonly settings: ParsedSettings;
  /** Relative paths in this layer resolve against it. */
  readonly base: string;
  /** Names the place a key came from, for messages. */
  readonly origin: (key: string) => string;
  /** The key path, variable or flag a key came from, for ConfigError.key. */
  readonly key: (key: string) => string;
  /** For the selected environment's blocks: the config they belong to. */
  readonly from?: LoadedConfig | undefined;
}

interface Winner {
  readonly value: unknown;
  readonly base: string;
  readonly origin: string;
  readonly key: string;
  /** The index of its layer: a higher rank overrides a lower one. */
  readonly rank: number;
}

/**
 * An environment block that sets a key to undefined (`url: process.env.PROD_URL` with PROD_URL
 * unset) must not fall back to the top-level value or the default: that would be another database.
 * A variable or flag that outranks the block still wins, as it would anyway.
 */
function refuseFallback(envName: string, layers: readonly Layer[], winners: ReadonlyMap<SettingKey, Winner>): void {
  for (const [rank, { from: source }] of layers.entries()) {
    if (source === undefined) continue;
    for (const { key, variables } of source.unsetIn(envName)) {
      const winner = winners.get(key);
      if (winner !== undefined && winner.rank > rank) continue;
      const keyPath = `environments.${envName}.${key}`;
      const what = source.source === "the migrator options" ? `the migrator option ${keyPath}` : `"${keyPath}" in ${source.source}`;
      const reads = describeVariables(variables) ?? "a variable it reads may not be set";
      const [only] = variables;
      const flag = (FLAG_KEYS as readonly string[]).includes(key) ? option(key as FlagKey) : undefined;
      const set = only !== undefined && variables.length === 1 ? `Set ${only.name}` : "Set the variable it reads";
      throw new ConfigError(
        `${what} is undefined: ${reads}; the "${envName}" environment does not fall back to ${winner === undefined ? "the default" : winner.origin}`,
        {
          key: keyPath,
          fix: `${set}${flag === undefined ? "" : ` (or pass ${flag})`}, or remove "${key}" from environments.${envName} to use the top-level value.`,
        },
      );
    }
  }
}

/** Checks the winning URL (naming where it came from) and makes a relative SQLite path absolute. */
function resolveUrl(winner: Winner): string {
  const url = String(winner.value).trim();
  try {
    parseDatabaseUrl(url, winner.origin);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.message, {
      key: winner.key,
      cause: error,
      ...(error.fix === undefined ? {} : { fix: error.fix }),
    });
  }
  return resolveDatabaseUrl(url, winner.base);
}

const VARIABLES_AND_FLAGS = "the environment variables and flags";

/**
 * The results of reading the config file and of the environment variables and flags; when both
 * fail on configuration problems, one ConfigError listing all of them.
 */
async function bothOrAllProblems<F, L>(file: () => Promise<F>, layers: () => Promise<L>, fileName: string): Promise<[F, L]> {
  const settled = async <T>(run: () => Promise<T>): Promise<{ value: T } | { error: unknown }> => {
    try {
      return { value: await run() };
    } catch (error) {
      return { error };
    }
  };
  const fromFile = await settled(file);
  const fromLayers = await settled(layers);
  if ("value" in fromFile && "value" in fromLayers) return [fromFile.value, fromLayers.value];
  const fileError = "error" in fromFile ? fromFile.error : undefined;
  const layersError = "error" in fromLayers ? fromLayers.error : undefined;
  if (fileError instanceof ConfigError && layersError instanceof ConfigError) {
    const items = [...fileError.items, ...layersError.items];
    throw new ConfigError(configProblemsText(items, `${fileName} and ${VARIABLES_AND_FLAGS}`), {
      ...(fileError.key === undefined ? {} : { key: fileError.key }),
      items,
    });
  }
  throw fileError ?? layersError;
}

/** The layers of environment variables and flags; every bad value is reported at once. */
function variableAndFlagLayers(environment: Readonly<Record<string, string | undefined>>, flags: Partial<FlagSettings>, cwd: string): Layer[] {
  const problems: ConfigError[] = [];
  const layer = (key: FlagKey, value: unknown, where: string): Layer[] => {
    try {
      const valid = validateSetting(key, value, where);
      const name = where.replace(/^environment variable /, "");
      return [{ settings: { [key]: valid }, base: cwd, origin: () => where, key: () => name }];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return [];
    }
  };
  const layers = [
    ...ENVIRONMENT_VARIABLES.flatMap(([name, key]): Layer[] => {
      const raw = nonEmpty(environment[name]);
      return raw === undefined ? [] : layer(key, coerce(key, raw), `environment variable ${name}`);
    }),
    ...FLAG_KEYS.flatMap((key): Layer[] => {
      const raw = flags[key];
      return raw === undefined ? [] : layer(key, typeof raw === "string" ? coerce(key, raw) : raw, option(key));
    }),
  ];
  const [first, second] = problems;
  if (first !== undefined && second === undefined) throw first;
  if (first !== undefined) {
    const items = problems.flatMap((problem) => problem.items);
    throw new ConfigError(configProblemsText(items, VARIABLES_AND_FLAGS), {
      ...(first.key === undefined ? {} : { key: first.key }),
      items,
    });
  }
  return layers;
}

/** Text from the environment or the command line, turned into what the schema expects. */
function coerce(key: FlagKey, raw: string): unknown {
  const text = raw.trim();
  if (key === "parallel" && /^[+-]?\d+$/.test(text)) return Number(text);
  if (key === "allowOutOfOrder") {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
  }
  if (key === "url" || key === "dir") return raw;
  return text;
}

function withoutEnvironments(config: ParsedConfig): ParsedSettings {
  const { environments: _environments, ...settings } = config;
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function displayName(path: string, base: string): string {
  const rel = relative(base, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/**
 * The line of every key in valid JSON text, by key path joined with NUL: for messages that say
 * `stratum.config.json:4`. A repeated key maps to its last occurrence, as JSON.parse keeps it.
 */
export function jsonKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  // Iterative (a config of 100 000 nested arrays must not overflow the stack): one frame per open
  // container, holding the key path to it and, for arrays, the next index.
  const path: string[] = [];
  const open: ("{" | "[")[] = [];
  const indexes: number[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") {
      line++;
    } else if (ch === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      let next = i + 1;
      while (next < text.length && " \t\n\r".includes(text[next] ?? "")) next++;
      if (open[open.length - 1] === "{" && text[next] === ":") {
        // a key: it replaces the previous key of this object
        path.length = open.length - 1;
        path.push(JSON.parse(text.slice(start, i + 1)) as string);
        lines.set(path.join("\u0000"), line);
      }
    } else if (ch === "{" || ch === "[") {
      if (open[open.length - 1] === "[") {
        path.length = open.length - 1;
        path.push(String(indexes[indexes.length - 1] ?? 0));
      }
      open.push(ch);
      indexes.push(0);
    } else if (ch === "}" || ch === "]") {
      open.pop();
      indexes.pop();
      path.length = open.length;
    } else if (ch === ",") {
      const last = indexes.length - 1;
      if (last >= 0) indexes[last] = (indexes[last] ?? 0) + 1;
    }
  }
  return lines;
}

/** `line:column` (1-based) of an offset in text, for messages. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

interface JsonError {
  /** 0-based offset of the offending character. */
  readonly offset: number;
  readonly reason: string;
  readonly fix?: string;
}

/**
 * Finds the first syntax error in JSON text (RFC 8259), or undefined when the text is valid.
 * Used only after JSON.parse has failed, to say where and why without quoting the text.
 */
export function locateJsonError(text: string): JsonError | undefined {
  let i = 0;
  const fail = (reason: string, at: number = i, fix?: string): never => {
    throw { offset: at, reason, ...(fix === undefined ? {} : { fix }) } satisfies JsonError;
  };
  const describe = (at: number): string =>
    at >= text.length ? "the end of the file" : `"${text[at] === "\n" ? "\\n" : text[at]}"`;
  const skipSpace = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i] ?? "")) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`expected ${word}`);
  };
  const string = (): void => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("unterminated string", start);
      const ch = text[i] ?? "";
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === "\\") {
        const next = text[i + 1] ?? "";
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid \\u escape in a string");
          i += 6;
        } else if ('"\\/bfnrt'.includes(next) && next !== "") {
          i += 2;
        } else {
          fail(`invalid escape \\${next} in a string`);
        }
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) fail(ch === "\n" ? "unterminated string (a line break inside a string)" : "a control character inside a string");
      i++;
    }
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match || match[0] === "-") fail(`invalid number`);
    i += match?.[0].length ?? 0;
  };
  const value = (): void => {
    skipSpace();
    const ch = text[i];
    if (ch === undefined) return fail("unexpected end of the file, expected a value");
    if (ch === "{") return object();
    if (ch === "[") return array();
    if (ch === '"') return string();
    if (ch === "-" || (ch >= "0" && ch <= "9")) return number();
    if (ch === "t") return literal("true");
    if (ch === "f") return literal("false");
    if (ch === "n") return literal("null");
    if (ch === "/") return fail("comments are not allowed in JSON", i, "Remove the comment, or use stratum.config.ts.");
    if (ch === "'") return fail("strings must use double quotes");
    return fail(`expected a value, found ${describe(i)}`);
  };
  const object = (): void => {
    i++;
    skipSpace();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] === "}") fail("trailing comma before }");
      if (text[i] === "/") fail("comments are not allowed in JSON", i, "Remove the comment, or use stratum.config.ts.");
      if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe(i)}`);
      string();
      skipSpace();
      if (text[i] !== ":") fail(`expected ":" after the property name, found ${describe(i)}`);
      i++;
      value();
      skipSpace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return;
      }
      fail(`expected "," or "}" after a property value, found ${describe(i)}`);
    }
  };
  const array = (): void => {
    i++;
    skipSpace();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] === "]") fail("trailing comma before ]");
      value();
      skipSpace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return;
      }
      fail(`expected "," or "]" after an array element, found ${describe(i)}`);
    }
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (error !== null && typeof error === "object" && "offset" in error) return error as JsonError;
    throw error;
  }
}
