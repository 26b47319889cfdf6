/**
 * The shape of `stratum.config.*`, and messages that say exactly what is wrong with it.
 *
 * zod finds the problems; the messages are ours: one sentence naming the file, the key path
 * (`environments.production.parallel`), what was expected and what was found.
 */
// zod/mini: the same checks without the method-chaining classes, so the bundle carries (and every
// start-up compiles) a fraction of zod.
import * as z from "zod/mini";

import { ConfigError, configProblemsText } from "../core/errors.js";
import { redactUrl } from "../text/redact.js";
import type { ConfigSettings, Hooks, ParsedConfig, ParsedSettings } from "./types.js";
import { MAX_DURATION_MS, parseDuration } from "./duration.js";
import { LAYOUT_FORMATS } from "../source/layouts/detect.js";

export { MAX_DURATION_MS, parseDuration };

/** Table names: letters, digits, `_` and `$`, not starting with a digit or `$`, at most 63 characters. */
export const IDENTIFIER_PATTERN = /^[^\0]+$/;
export const IDENTIFIER_MAX_LENGTH = 63;

export const HOOK_NAMES = ["beforeAll", "beforeEach", "afterEach", "afterAll", "onError"] as const satisfies readonly (keyof Hooks)[];

/** Every key an environment block (and the top level) may set. */
export const SETTING_KEYS = [
  "url",
  "dir",
  "ordering",
  "table",
  "logTable",
  "schema",
  "lockTimeout",
  "migrationLockTimeout",
  "statementTimeout",
  "parallel",
  "transaction",
  "allowOutOfOrder",
  "protected",
  "passwordFile",
  "backupDir",
  "format",
  "hooks",
  "adoptUserVersion",
  "schemaFile",
  "shadow",
  "driftCheck",
  "lock",
  "targets",
] as const satisfies readonly (keyof ConfigSettings)[];

export type SettingKey = (typeof SETTING_KEYS)[number];

const nonEmptyString = z.string().check(z.minLength(1));
// Any name is allowed (it is always quoted); only empty names, NUL and over-long names are refused.
const identifier = z.string().check(z.minLength(1), z.maxLength(IDENTIFIER_MAX_LENGTH), z.regex(IDENTIFIER_PATTERN));
const duration = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((value, ctx): number => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.issues.push({ code: "custom", message: "not a duration", input: value });
      return z.NEVER;
    }
    return ms;
  }),
);
const hookFunction = z.custom<(event: never) => unknown>((value) => typeof value === "function");

export const hooksSchema = z.strictObject({
  beforeAll: z.optional(hookFunction),
  beforeEach: z.optional(hookFunction),
  afterEach: z.optional(hookFunction),
  afterAll: z.optional(hookFunction),
  onError: z.optional(hookFunction),
});

/** One database of a fleet, as the config (or a targets file) lists it. */
export const targetEntrySchema = z.strictObject({ name: nonEmptyString, url: z.optional(nonEmptyString), schema: z.optional(nonEmptyString) });

/**
 * A target name used twice: the later entry's name is the problem, naming the entry it repeats.
 * And a `url` or `schema` written but undefined (`url: process.env.EU_URL`, unset) is refused:
 * without it the target would silently be the config's own database.
 */
const checkTargetList = z.superRefine<readonly { readonly name: string; readonly url?: string | undefined; readonly schema?: string | undefined }[]>(
  (entries, ctx) => {
    const first = new Map<string, number>();
    for (const [index, entry] of entries.entries()) {
      for (const key of ["url", "schema"] as const) {
        if (key in entry && entry[key] === undefined) ctx.addIssue({ code: "custom", path: [index, key], input: undefined });
      }
      const taken = first.get(entry.name);
      if (taken === undefined) first.set(entry.name, index);
      else ctx.addIssue({ code: "custom", path: [index, "name"], input: entry.name, params: { duplicateOf: taken } });
    }
  },
);

/** The query's `url` written but undefined would run the query on the config's database instead. */
const checkTargetsQuery = z.superRefine<{ readonly url?: string | undefined }>((setting, ctx) => {
  if ("url" in setting && setting.url === undefined) ctx.addIssue({ code: "custom", path: ["url"], input: undefined });
});

/** One environment block: every setting, but no nested `environments`. */
export const configSettingsSchema = z.strictObject({
  url: z.optional(nonEmptyString),
  dir: z.optional(nonEmptyString),
  ordering: z.optional(z.enum(["linear", "graph"])),
  table: z.optional(identifier),
  logTable: z.optional(identifier),
  schema: z.optional(nonEmptyString),
  lockTimeout: z.optional(duration),
  migrationLockTimeout: z.optional(duration),
  statementTimeout: z.optional(duration),
  parallel: z.optional(z.int().check(z.minimum(1), z.maximum(64))),
  transaction: z.optional(z.enum(["each", "all", "none"])),
  allowOutOfOrder: z.optional(z.boolean()),
  protected: z.optional(z.boolean()),
  passwordFile: z.optional(nonEmptyString),
  backupDir: z.optional(nonEmptyString),
  format: z.optional(z.enum(LAYOUT_FORMATS)),
  hooks: z.optional(hooksSchema),
  adoptUserVersion: z.optional(z.boolean()),
  schemaFile: z.optional(nonEmptyString),
  shadow: z.optional(z.strictObject({ url: z.optional(nonEmptyString) })),
  driftCheck: z.optional(z.enum(["warn", "error", "off"])),
  lock: z.optional(z.enum(["lease", "session", "auto"])),
  targets: z.optional(
    z.union([
      z.readonly(z.array(targetEntrySchema).check(z.minLength(1), checkTargetList)),
      z.strictObject({ file: nonEmptyString }),
      z.strictObject({ query: nonEmptyString, url: z.optional(nonEmptyString) }).check(checkTargetsQuery),
    ]),
  ),
});

/** The whole file. */
export const userConfigSchema = z.extend(configSettingsSchema, {
  environments: z.optional(z.record(z.string(), configSettingsSchema)),
});

// The hand-written ConfigSettings (documented, with typed hooks) must accept exactly what the schema
// accepts, and ParsedSettings must be what it produces: a mismatch fails `tsc` here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type WithoutHooks<T> = { [K in keyof T as K extends "hooks" ? never : K]: T[K] };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const inputMatches: Same<Mutable<WithoutHooks<ConfigSettings>>, WithoutHooks<z.input<typeof configSettingsSchema>>> = true;
const outputMatches: Same<
  Mutable<WithoutHooks<ParsedSettings>>,
  { [K in keyof WithoutHooks<z.output<typeof configSettingsSchema>>]?: Exclude<z.output<typeof configSettingsSchema>[K], undefined> }
> = true;
void inputMatches;
void outputMatches;

const IDENTIFIER_TEXT = "a non-empty table name of at most 63 characters without NUL bytes";
const DURATION_TEXT = 'a whole number of milliseconds (0 or more) or a duration such as "500ms", "10s" or "2m"';
const PATH_TEXT = "a non-empty path";
const BOOLEAN_TEXT = "true or false";

/** What each key expects, in words. */
const EXPECTED: Readonly<Record<SettingKey | "environments", string>> = {
  url: "a database URL string",
  dir: PATH_TEXT,
  ordering: '"linear" or "graph"',
  table: IDENTIFIER_TEXT,
  logTable: IDENTIFIER_TEXT,
  schema: "a non-empty schema name",
  lockTimeout: DURATION_TEXT,
  migrationLockTimeout: DURATION_TEXT,
  statementTimeout: DURATION_TEXT,
  parallel: "an integer from 1 to 64",
  transaction: '"each", "all" or "none"',
  allowOutOfOrder: BOOLEAN_TEXT,
  protected: BOOLEAN_TEXT,
  passwordFile: PATH_TEXT,
  backupDir: PATH_TEXT,
  format: `one of ${LAYOUT_FORMATS.map((name) => `"${name}"`).join(", ")}`,
  hooks: `an object of hook functions (${HOOK_NAMES.join(", ")})`,
  adoptUserVersion: BOOLEAN_TEXT,
  schemaFile: PATH_TEXT,
  shadow: 'an object such as { "url": "postgres://localhost/postgres" }',
  driftCheck: '"warn", "error" or "off"',
  lock: '"auto", "lease" or "session"',
  targets: 'a list of { "name", "url", "schema" } targets, { "file": "targets.json" } or { "query": "select …", "url": "…" }',
  environments: "an object mapping environment names to settings",
};

export interface ConfigIssue {
  /** Key path, e.g. `["environments", "production", "parallel"]`. */
  readonly path: readonly string[];
  readonly kind: "unknown-key" | "invalid-value";
  /** One sentence, naming the source and the key path. */
  readonly message: string;
  /** For an unknown key: the valid key it most likely meant. */
  readonly suggestion?: string;
  readonly fix?: string;
}

export type ConfigCheck =
  | { readonly ok: true; readonly config: ParsedConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** An environment variable a config module read, and what it held (undefined: not set). */
export interface VariableRead {
  readonly name: string;
  readonly value: string | undefined;
}

export interface CheckOptions {
  /** The line a key path is on in the file, when known (JSON): messages then say `file:line`. */
  readonly lineOf?: (path: readonly string[]) => number | undefined;
  /** The unset or empty variables a setting may have been read from, when known (`.ts`/`.js`). */
  readonly variablesOf?: (path: readonly string[]) => readonly VariableRead[];
}

/**
 * Checks a config value and returns every problem, in the order the keys appear in the input.
 * `source` names where it came from (`stratum.config.json`, `the migrator options`).
 */
export function checkUserConfig(value: unknown, source: string, options: CheckOptions = {}): ConfigCheck {
  const result = userConfigSchema.safeParse(value);
  if (result.success) return { ok: true, config: stripUndefined(result.data) as ParsedConfig };
  const json = /\.json$/i.test(source);
  const where = (path: readonly string[]): string => {
    const line = options.lineOf?.(path);
    return line === undefined ? source : `${source}:${line}`;
  };
  const issues: ConfigIssue[] = [];
  const seenJsonHooks = new Set<string>();
  for (const issue of result.error.issues.flatMap((found) => targetsBranchIssues(found, value))) {
    const path = issue.path.map(String);
    if (json) {
      const hooksAt = hooksIndex(path);
      if (hooksAt !== undefined) {
        const hooksPath = path.slice(0, hooksAt + 1);
        const key = hooksPath.join(".");
        if (!seenJsonHooks.has(key)) {
          seenJsonHooks.add(key);
          issues.push({
            path: hooksPath,
            kind: "invalid-value",
            message: `"${key}" in ${where(hooksPath)} cannot hold functions; define hooks in stratum.config.ts or stratum.config.js`,
            fix: `Move the hooks to stratum.config.ts (or .js), or remove "${key}".`,
          });
        }
        continue;
      }
    }
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) issues.push(unknownKeyIssue([...path, key], where([...path, key])));
    } else if (issue.code === "custom" && typeof issue.params?.["duplicateOf"] === "number") {
      issues.push(duplicateTargetIssue(path, valueAt(value, path), issue.params["duplicateOf"] as number, where(path)));
    } else {
      // zod may report several checks failing on one value: it is one problem
      if (issues.some((seen) => seen.kind === "invalid-value" && seen.path.join("\u0000") === path.join("\u0000"))) continue;
      const actual = valueAt(value, path);
      const variables = actual === undefined || actual === "" ? (options.variablesOf?.(path) ?? []) : [];
      issues.push(invalidValueIssue(path, actual, where(path), variables));
    }
  }
  return { ok: false, issues: sortByInputOrder(issues, value) };
}

/**
 * Validates a config value and returns it typed, with durations converted to ms.
 * Throws one ConfigError listing every problem (each with where and the fix), `key` set to the first.
 */
export function validateUserConfig(value: unknown, source: string, options: CheckOptions = {}): ParsedConfig {
  const check = checkUserConfig(value, source, options);
  if (check.ok) return check.config;
  const [first, ...rest] = check.issues;
  if (first === undefined) throw new ConfigError(`invalid configuration in ${source}`);
  if (rest.length === 0) return throwIssue(first);
  const items = check.issues.map((issue) => ({ message: issue.message, fix: issue.fix }));
  throw new ConfigError(configProblemsText(items, source), {
    key: first.path.join("."),
    items,
  });
}

function throwIssue(issue: ConfigIssue): never {
  throw new ConfigError(issue.message, {
    key: issue.path.join("."),
    ...(issue.fix === undefined ? {} : { fix: issue.fix }),
  });
}

/** "it reads PROD_URL, which is not set" (or the candidates when it is not known which). */
export function describeVariables(variables: readonly VariableRead[]): string | undefined {
  const [only] = variables;
  if (only === undefined) return undefined;
  if (variables.length === 1) return `it reads ${only.name}, which is ${only.value === undefined ? "not set" : "empty"}`;
  return `the file reads ${variables.map((v) => v.name).join(", ")}, which are not set or empty`;
}

/** The validated value of a setting, as the schema would produce it (durations in ms). */
export type SettingValue<K extends SettingKey> = NonNullable<ParsedSettings[K]>;

/**
 * Validates one setting that did not come from a file — an environment variable or a flag.
 * `where` names it for the message (`environment variable STRATUM_PARALLEL`, `--parallel`) and
 * becomes the error's `key`.
 */
export function validateSetting<K extends SettingKey>(key: K, value: unknown, where: string): SettingValue<K> {
  const result = configSettingsSchema.shape[key].safeParse(value);
  if (result.success && result.data !== undefined) return result.data as SettingValue<K>;
  throw new ConfigError(`invalid value for ${where}: expected ${EXPECTED[key]}, got ${describeValue(value)}`, {
    key: where,
    fix: `Set ${where.replace(/^environment variable /, "")} to ${EXPECTED[key]}.`,
  });
}

/** A short description of a value for "got …": `100`, `"lineer"`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  switch (typeof value) {
    case "undefined":
      return "nothing";
    case "string": {
      if (value === "") return "an empty string";
      const text = redactUrl(value);
      return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
    }
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return "an object";
  }
}

/** The closest of `candidates` to `word`, when close enough to be a likely typo. */
export function suggestKey(word: string, candidates: readonly string[]): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");
  const exact = candidates.find((c) => normal(c) === normal(word));
  if (exact !== undefined) return exact;
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}

/** The keys of a target entry, and of the object forms of `targets`. */
const TARGET_ENTRY_KEYS = ["name", "url", "schema"] as const;
const TARGETS_OBJECT_KEYS = ["file", "query", "url"] as const;

/** What each key inside `targets` expects, in words (`0`: an entry of the list). */
const TARGETS_EXPECTED = {
  entry: 'an object such as { "name": "eu", "url": "postgres://…" }',
  name: "a non-empty target name",
  url: EXPECTED.url,
  schema: EXPECTED.schema,
  file: PATH_TEXT,
  query: "a non-empty SQL query",
} as const;

/** The part of a key path after `targets` (top level or in an environment block), or undefined. */
function insideTargets(path: readonly string[]): readonly string[] | undefined {
  const at = path[0] === "environments" ? 2 : 0;
  return path[at] === "targets" && (at === 0 || path.length > 2) ? path.slice(at + 1) : undefined;
}

/**
 * `targets` is a union (a list, `{ file }`, `{ query }`): zod reports one problem for the whole
 * union. The value's shape says which form was meant; that form's own problems name the key
 * inside it (`targets.2.url`). A shape no form fits stays one problem about `targets`.
 */
function targetsBranchIssues(issue: z.core.$ZodIssue, input: unknown): readonly z.core.$ZodIssue[] {
  const path = issue.path.map(String);
  if (issue.code !== "invalid_union" || insideTargets(path)?.length !== 0) return [issue];
  const value = valueAt(input, path);
  const keys = value !== null && typeof value === "object" ? Object.keys(value) : [];
  const unknown = keys.filter((key) => !(TARGETS_OBJECT_KEYS as readonly string[]).includes(key));
  let branch: number | undefined;
  if (Array.isArray(value)) branch = 0;
  else if (keys.includes("file") && !keys.includes("query")) branch = 1;
  else if (keys.includes("query") && !keys.includes("file")) branch = 2;
  else if (keys.length > 0 && !keys.includes("file") && unknown.length > 0) {
    return [{ code: "unrecognized_keys", keys: unknown, path: issue.path, input: value as Record<string, unknown>, message: "" }];
  }
  const chosen = branch === undefined ? undefined : issue.errors[branch];
  if (chosen === undefined || chosen.length === 0) return [issue];
  return chosen.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as z.core.$ZodIssue);
}

function duplicateTargetIssue(path: readonly string[], name: unknown, first: number, source: string): ConfigIssue {
  return {
    path,
    kind: "invalid-value",
    message: `invalid value for "${path.join(".")}" in ${source}: the target name ${describeValue(name)} is already taken by targets.${first}`,
    fix: "Give each target its own name.",
  };
}

/** The keys valid in the object at `parent`. */
function validKeysAt(parent: readonly string[]): readonly string[] {
  const targets = insideTargets(parent);
  if (targets !== undefined) return targets.length === 0 ? TARGETS_OBJECT_KEYS : TARGET_ENTRY_KEYS;
  if (parent.length === 0) return [...SETTING_KEYS, "environments"];
  if (parent.length === 2 && parent[0] === "environments") return SETTING_KEYS;
  if (parent[parent.length - 1] === "hooks") return HOOK_NAMES;
  return [];
}

function unknownKeyIssue(path: readonly string[], source: string): ConfigIssue {
  const parent = path.slice(0, -1);
  const key = path[path.length - 1] ?? "";
  const keyPath = path.join(".");
  if (key === "environments" && parent.length === 2) {
    return {
      path,
      kind: "unknown-key",
      message: `unknown key "${keyPath}" in ${source}; environments cannot be nested`,
      fix: `Move the settings of "${keyPath}" up to the top-level environments object.`,
    };
  }
  const valid = validKeysAt(parent);
  const suggestion = suggestKey(key, valid);
  if (suggestion !== undefined) {
    return {
      path,
      kind: "unknown-key",
      message: `unknown key "${keyPath}" in ${source}; did you mean "${suggestion}"?`,
      suggestion,
      fix: `Rename "${key}" to "${suggestion}".`,
    };
  }
  return {
    path,
    kind: "unknown-key",
    message: `unknown key "${keyPath}" in ${source}`,
    fix: `Remove it; valid keys here are ${valid.join(", ")}.`,
  };
}

function invalidValueIssue(path: readonly string[], actual: unknown, source: string, variables: readonly VariableRead[] = []): ConfigIssue {
  const keyPath = path.join(".");
  if (path.length === 0) {
    return {
      path,
      kind: "invalid-value",
      message: `invalid configuration in ${source}: expected an object of settings, got ${describeValue(actual)}`,
      fix: "Export an object of settings: export default defineConfig({ ... }), or { ... } in JSON.",
    };
  }
  const expected = expectedAt(path);
  const reads = describeVariables(variables);
  const [only] = variables;
  return {
    path,
    kind: "invalid-value",
    message: `invalid value for "${keyPath}" in ${source}: expected ${expected}, got ${describeValue(actual)}${reads === undefined ? "" : `; ${reads}`}`,
    fix: only !== undefined && variables.length === 1 ? `Set ${only.name}, or set "${keyPath}" to ${expected}.` : `Set "${keyPath}" to ${expected}.`,
  };
}

function expectedAt(path: readonly string[]): string {
  const last = path[path.length - 1] ?? "";
  const targets = insideTargets(path);
  if (targets !== undefined && targets.length > 0) {
    const key = /^\d+$/.test(last) ? "entry" : last;
    return (TARGETS_EXPECTED as Readonly<Record<string, string>>)[key] ?? "a valid value";
  }
  if (path.length === 2 && path[0] === "environments") return "an object of settings";
  if (path.length >= 2 && path[path.length - 2] === "hooks") return "a function";
  return (EXPECTED as Readonly<Record<string, string>>)[last] ?? "a valid value";
}

/** Where "hooks" sits in an issue's path, if anywhere. */
function hooksIndex(path: readonly string[]): number | undefined {
  if (path[0] === "hooks") return 0;
  if (path[0] === "environments" && path[2] === "hooks") return 2;
  return undefined;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Sorts issues by where their keys appear in the input, so "the first problem" is the first in the file. */
function sortByInputOrder(issues: readonly ConfigIssue[], input: unknown): ConfigIssue[] {
  const rank = (path: readonly string[]): number[] => {
    const ranks: number[] = [];
    let current = input;
    for (const key of path) {
      const keys = current !== null && typeof current === "object" ? Object.keys(current) : [];
      const index = keys.indexOf(key);
      ranks.push(index < 0 ? Number.MAX_SAFE_INTEGER : index);
      current = index < 0 ? undefined : (current as Record<string, unknown>)[key];
    }
    return ranks;
  };
  const ranked = issues.map((issue, order) => ({ issue, order, rank: rank(issue.path) }));
  ranked.sort((a, b) => {
    const length = Math.min(a.rank.length, b.rank.length);
    for (let i = 0; i < length; i++) {
      const diff = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
      if (diff !== 0) return diff;
    }
    return a.rank.length - b.rank.length || a.order - b.order;
  });
  return ranked.map((r) => r.issue);
}

/** Drops keys whose value is undefined (a `.ts` config may write `url: process.env.X`). */
function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    if (key === "environments" && entry !== null && typeof entry === "object") {
      out[key] = Object.fromEntries(
        Object.entries(entry as Record<string, Record<string, unknown>>).map(([name, settings]) => [name, stripUndefined(settings)]),
      );
    } else if (key === "hooks" && entry !== null && typeof entry === "object") {
      out[key] = stripUndefined(entry as Record<string, unknown>);
    } else {
      out[key] = entry;
    }
  }
  return out;
}
