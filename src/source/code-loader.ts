import { readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import type { Jiti } from "jiti";
import type { CheckFn, LoadedCode, MigrationFn } from "../core/context.js";
import { ValidationError } from "../core/errors.js";
import type { MigrationFile, MigrationOptions, Problem, Requirement } from "../core/types.js";
import { isVersion, versionKey } from "../core/version.js";
import { isDefinedMigration } from "./define-migration.js";
import { isProblem, problem } from "./problem.js";
import { DEPENDENCY, parseRequirement } from "./sql-file.js";

/** Keys a default-exported definition may have (`version` is checked against the file name). */
const DEFINITION_KEYS = [
  "description",
  "dependsOn",
  "transaction",
  "irreversible",
  "requires",
  "tables",
  "skipVerify",
  "before",
  "up",
  "down",
  "after",
  "version",
] as const;

const EXPORT_FIX =
  'Export "export async function up(ctx) { … }" (and optionally down), or "export default defineMigration({ async up(ctx) { … } })"; in CommonJS, "exports.up = async (ctx) => { … }" or "module.exports = { up, down }".';

let jitiInstance: Promise<Jiti> | undefined;

/**
 * jiti is imported on first use only, so commands that never load code (`status`, `validate`,
 * `plan` with unchanged files) do not pay for it. The module cache is off so an edited migration
 * is re-read when loaded again in the same process. `interopDefault` is off: with it, jiti merges
 * the default export into the namespace, and a module exporting both a named `up` and a default
 * definition could not be told apart; `readModule` looks at `default` itself.
 */
function loader(): Promise<Jiti> {
  jitiInstance ??= import("jiti").then(({ createJiti }) =>
    createJiti(import.meta.url, { interopDefault: false, moduleCache: false }),
  );
  return jitiInstance;
}

/**
 * Imports a code migration (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`, no build step) and checks
 * its shape: either named exports (`up`, optional `down`, `dependsOn`, `transaction`,
 * `irreversible`, `requires`, `description`, `before`, `after`, `tables`) or a default
 * `defineMigration({...})`. CommonJS modules give the same shapes through `module.exports`
 * (`exports.up = …`, `module.exports = { up, down }`, `module.exports = defineMigration({...})`).
 * Throws `ValidationError` naming the file when it cannot be imported or exports the wrong shape.
 */
export async function loadCodeMigration(migration: MigrationFile): Promise<LoadedCode> {
  const file = migration.files[0] ?? basename(migration.path);
  if (migration.kind !== "code") {
    throw new ValidationError([
      problem("BAD_SECTION", `${file} is a SQL migration, not a code migration.`, [file], "Run it as SQL."),
    ]);
  }
  const jiti = await loader();
  let namespace: unknown;
  try {
    namespace = await jiti.import(migration.path);
  } catch (error) {
    throw importFailure(migration, file, error);
  }
  const { options, functions, problems } = readModule(migration, file, moduleExports(migration.path, namespace));
  if (problems.some((p) => p.severity === "error") || functions === null) {
    throw new ValidationError(problems);
  }
  return { options, ...functions };
}

/**
 * The exports of a module as an ESM namespace, whatever its format. Node loads a CommonJS `.cjs`
 * file (or a `.js` file whose nearest package.json does not say `"type": "module"`) itself and
 * hands back a module namespace `{ default: module.exports, …named copies }`: its real exports are
 * `module.exports`. jiti, which compiles TypeScript (and `.js` files Node refuses, such as ESM
 * syntax in a CommonJS package), hands back `module.exports` directly, a plain object. Either way a
 * `module.exports` that is a function or a `defineMigration(...)` is read as a default export, and
 * any other object as named exports (a compiled ES module, with `__esModule`, as the namespace it was).
 */
export function moduleExports(path: string, namespace: unknown): unknown {
  const value = isCommonJsNamespace(path, namespace) ? namespace["default"] : namespace;
  if (typeof value === "function" || isDefinedMigration(value)) return { default: value };
  return value;
}

/**
 * Node's namespace of a CommonJS module: a module namespace whose `default` is `module.exports`
 * and whose other names are copies of its properties. (A `.js` file with ES syntax that Node
 * recognises as such is a real ES module even in a CommonJS package: its names are its own.)
 */
function isCommonJsNamespace(path: string, namespace: unknown): namespace is Record<string, unknown> {
  if (Object.prototype.toString.call(namespace) !== "[object Module]" || !isRecord(namespace)) return false;
  if (!("default" in namespace) || !isNativeCommonJs(path)) return false;
  const moduleExports = namespace["default"];
  return Object.keys(namespace).every(
    (key) => key === "default" || (isRecord(moduleExports) && moduleExports[key] === namespace[key]),
  );
}

/** Whether Node itself loads `path` as CommonJS: `.cjs`, or `.js` outside a `"type": "module"` package. */
function isNativeCommonJs(path: string): boolean {
  const ext = extname(path).toLowerCase();
  if (ext === ".cjs") return true;
  if (ext !== ".js") return false;
  return packageType(dirname(path)) !== "module";
}

/** The `type` of the nearest package.json above `dir`, as Node reads it ("commonjs" when none says). */
function packageType(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    let text: string;
    try {
      text = readFileSync(join(current, "package.json"), "utf8");
    } catch {
      if (dirname(current) === current) return "commonjs";
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return isRecord(parsed) && parsed["type"] === "module" ? "module" : "commonjs";
    } catch {
      return "commonjs"; // Node refuses the file when it imports it, with its own message
    }
  }
}

interface Functions {
  readonly up: MigrationFn;
  readonly down: MigrationFn | null;
  readonly before: CheckFn | null;
  readonly after: CheckFn | null;
}

/** Reads and checks a module's exports. Pure: exported for tests and for non-file sources. */
export function readModule(
  migration: Pick<MigrationFile, "version">,
  file: string,
  namespace: unknown,
): { options: MigrationOptions; functions: Functions | null; problems: Problem[] } {
  const problems: Problem[] = [];
  const exports = isRecord(namespace) ? namespace : {};
  const fallback = exports["default"];
  let source: Record<string, unknown>;

  if (isRecord(fallback) && (isDefinedMigration(fallback) || "up" in fallback)) {
    source = fallback;
    if (typeof exports["up"] === "function") {
      problems.push(
        problem(
          "BAD_SECTION",
          `${file} exports both a named up function and a default migration definition.`,
          [file],
          "Keep one of them: named exports, or the default defineMigration({...}).",
        ),
      );
    }
    for (const key of Object.keys(fallback)) {
      if (!(DEFINITION_KEYS as readonly string[]).includes(key)) {
        problems.push(
          problem(
            "BAD_DIRECTIVE",
            `${file} defines an unknown migration option "${key}".`,
            [file],
            `Use only: ${DEFINITION_KEYS.join(", ")}.`,
          ),
        );
      }
    }
  } else if (typeof fallback === "function" && exports["up"] === undefined) {
    // `export default async function (ctx) { … }` is read as the up function.
    source = { ...exports, up: fallback };
  } else {
    source = exports;
  }

  const up = source["up"];
  if (typeof up !== "function") {
    problems.push(problem("BAD_SECTION", `${file} does not export an up function.`, [file], EXPORT_FIX));
  }
  const optionalFunction = (key: "down" | "before" | "after"): MigrationFn | null => {
    const value = source[key];
    if (value === undefined || value === null) return null;
    if (typeof value === "function") return value as MigrationFn;
    problems.push(badOption(file, key, "must be a function", `Make "${key}" an async function taking ctx, or remove it.`));
    return null;
  };
  const down = optionalFunction("down");
  const before = optionalFunction("before");
  const after = optionalFunction("after");

  const description = source["description"];
  if (description !== undefined && typeof description !== "string") {
    problems.push(badOption(file, "description", "must be a string", 'Write description: "what it does".'));
  }
  const transaction = readBoolean(file, source, "transaction", problems);
  const irreversible = readBoolean(file, source, "irreversible", problems);
  const dependsOn = readList(file, source, "dependsOn", problems, (item) =>
    typeof item === "number" && Number.isSafeInteger(item) && item >= 0
      ? String(item)
      : typeof item === "string" && DEPENDENCY.test(item)
        ? item
        : null,
  ).filter((item, index, all) => all.indexOf(item) === index);
  const tables = readList(file, source, "tables", problems, (item) =>
    typeof item === "string" && item.trim() !== "" ? item.trim() : null,
  );
  const requires: Requirement[] = [];
  for (const text of readList(file, source, "requires", problems, (item) => (typeof item === "string" ? item : null))) {
    const requirement = parseRequirement(text, file);
    if (isProblem(requirement)) problems.push(requirement);
    else requires.push(requirement);
  }
  checkVersion(migration, file, source["version"], problems);
  const skipVerify = source["skipVerify"];
  if (skipVerify !== undefined && (typeof skipVerify !== "string" || skipVerify.trim() === "")) {
    problems.push(badOption(file, "skipVerify", "must be the reason, a non-empty string", 'Write skipVerify: "why verify cannot check it", or remove it.'));
  }

  const options: MigrationOptions = {
    ...(typeof description === "string" && description !== "" ? { description } : {}),
    dependsOn,
    ...(transaction !== undefined ? { transaction } : {}),
    irreversible: irreversible ?? false,
    requires,
    ...(source["tables"] !== undefined ? { tables } : {}),
    ...(typeof skipVerify === "string" && skipVerify.trim() !== "" ? { verifySkip: skipVerify.trim() } : {}),
  };
  const functions = typeof up === "function" ? { up: up as MigrationFn, down, before, after } : null;
  return { options, functions, problems };
}

function checkVersion(
  migration: Pick<MigrationFile, "version">,
  file: string,
  declared: unknown,
  problems: Problem[],
): void {
  if (declared === undefined) return;
  const text = typeof declared === "number" && Number.isFinite(declared) && declared >= 0 ? String(declared) : declared;
  if (typeof text !== "string" || !isVersion(text)) {
    problems.push(badOption(file, "version", "must be the version of its file name", `Write version: "${migration.version}", or remove it.`));
    return;
  }
  if (versionKey(text) !== versionKey(migration.version)) {
    problems.push({
      ...problem(
        "VERSION_MISMATCH",
        `${file} declares version ${text} but its file name says ${migration.version}.`,
        [file],
        `Change the declared version to ${migration.version}, or rename the file.`,
      ),
      versions: [migration.version],
    });
  }
}

function readBoolean(
  file: string,
  source: Record<string, unknown>,
  key: "transaction" | "irreversible",
  problems: Problem[],
): boolean | undefined {
  const value = source[key];
  if (value === undefined || typeof value === "boolean") return value;
  problems.push(badOption(file, key, "must be true or false", `Write ${key}: true or ${key}: false.`));
  return undefined;
}

/** A list option; a single value is accepted as a list of one. Bad items are reported. */
function readList(
  file: string,
  source: Record<string, unknown>,
  key: "dependsOn" | "tables" | "requires",
  problems: Problem[],
  item: (value: unknown) => string | null,
): string[] {
  const value = source[key];
  if (value === undefined || value === null) return [];
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  const fixes = {
    dependsOn: 'List versions or migration ids, e.g. dependsOn: ["003", "005_add_orders"].',
    tables: 'List table names, e.g. tables: ["users", "orders"].',
    requires: 'List requirements, e.g. requires: ["postgres>=13"].',
  } as const;
  const out: string[] = [];
  for (const entry of values) {
    const parsed = item(entry);
    if (parsed === null) problems.push(badOption(file, key, `has an invalid entry ${describe(entry)}`, fixes[key]));
    else out.push(parsed);
  }
  return out;
}

function badOption(file: string, key: string, what: string, fix: string): Problem {
  return problem("BAD_DIRECTIVE", `"${key}" in ${file} ${what}.`, [file], fix);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return `of type ${Array.isArray(value) ? "array" : typeof value}`;
}

function importFailure(migration: MigrationFile, file: string, error: unknown): ValidationError {
  const raw = error instanceof Error ? error.message : String(error);
  const firstLine = (raw.split("\n").find((line) => line.trim() !== "") ?? raw).trim();
  const text = `${raw}\n${error instanceof Error ? (error.stack ?? "") : ""}`;
  const located = new RegExp(`${escapeRegExp(migration.path)}:(\\d+)`).exec(text);
  const where = located ? `${file}:${located[1] ?? ""}` : file;
  const message = firstLine.split(migration.path).join(file);
  const missingStratum = /Cannot find (?:module|package) ['"](?:stratumdb|stratum)['"]/.test(raw);
  const fix = missingStratum
    ? 'Install Stratum in the project ("npm install --save-dev stratumdb") so migrations can import it.'
    : `Fix the error in ${where} and run the command again.`;
  const failure = new ValidationError([
    problem("BAD_SECTION", `${file} could not be loaded: ${message}`, [where], fix),
  ]);
  Object.defineProperty(failure, "cause", { value: error, enumerable: false, configurable: true, writable: true });
  return failure;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}
