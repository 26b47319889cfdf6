// `targets: { file }`: a JSON file holding a list of targets. Its problems are named as the config
// file's are: the file and line (the loader's JSON line mapping), what is wrong, what to do.

import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as z from "zod/mini";

import { jsonKeyLines, lineColumn, locateJsonError } from "../config/load.js";
import { describeValue, suggestKey, targetEntrySchema } from "../config/schema.js";
import type { TargetEntry } from "../config/types.js";
import { ConfigError, configProblemsText, type ConfigProblem } from "../core/errors.js";
import { fleetTarget, urlReader } from "./targets-entries.js";
import type { FleetTarget } from "./types.js";

/** Problems listed at most, before "… and N more". */
const MAX_PROBLEMS = 10;
const ENTRY_EXAMPLE = '{ "name": "eu", "url": "postgres://…" }';
const ENTRY_KEYS = ["name", "url", "schema"];
const EXPECTED: Readonly<Record<string, string>> = {
  name: "a non-empty target name",
  url: "a database URL string",
  schema: "a non-empty schema name",
};

export interface TargetsFileContext {
  /** The file as messages show it (relative to the working directory). */
  readonly name: string;
  /** Where the file was named (`"targets" in stratum.config.json`). */
  readonly origin: string;
  /** The URL of a target without one (the config's). */
  readonly defaultUrl: string;
}

/** Reads the targets file at `path` (absolute); relative SQLite files in it are relative to it. */
export async function readTargetsFile(path: string, context: TargetsFileContext): Promise<FleetTarget[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read the targets file ${context.name} (named by ${context.origin}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      key: "targets.file",
      cause: error,
      fix: "Create the file, or correct \"targets.file\"; a relative path is relative to the config file's directory.",
    });
  }
  return targetsFromFileText(text, context, dirname(path));
}

/** The targets a targets file's text lists, checked (see readTargetsFile). */
export function targetsFromFileText(raw: string, context: TargetsFileContext, baseDir: string): FleetTarget[] {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const { name } = context;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message may quote the text (a URL with its password): say where, not what
    const found = locateJsonError(text);
    const where = found === undefined ? name : `${name}:${lineColumn(text, found.offset)}`;
    throw new ConfigError(`invalid JSON in ${where}: ${found?.reason ?? "it is not valid JSON"}`, { key: "targets.file", cause: error });
  }
  if (!Array.isArray(value)) {
    throw new ConfigError(`${name} must hold a JSON list of targets such as [${ENTRY_EXAMPLE}], got ${describeValue(value)}`, {
      key: "targets.file",
      fix: `Write the targets as a list: [${ENTRY_EXAMPLE}, { "name": "us", "schema": "us" }].`,
    });
  }
  if (value.length === 0) {
    throw new ConfigError(`${name} lists no targets`, {
      key: "targets.file",
      fix: `Add the targets to it: [${ENTRY_EXAMPLE}, { "name": "us", "schema": "us" }].`,
    });
  }
  const keyLines = jsonKeyLines(text);
  const entryLines = arrayElementLines(text);
  const lineOf = (index: number, key?: string): number | undefined =>
    (key === undefined ? undefined : keyLines.get(`${index}\u0000${key}`)) ?? entryLines[index];
  const at = (index: number, key?: string): string => {
    const line = lineOf(index, key);
    return line === undefined ? name : `${name}:${line}`;
  };
  const entries = checkedEntries(value, name, at);
  const urls = urlReader(baseDir);
  const firstLine = new Map<string, number>();
  return entries.map((entry, index) => {
    const line = lineOf(index, "name") ?? 0;
    const earlier = firstLine.get(entry.name);
    if (earlier !== undefined) {
      throw new ConfigError(`duplicate target name "${entry.name}" in ${name}:${line}; line ${earlier} has it too`, {
        key: "targets.file",
        fix: "Give each target its own name.",
      });
    }
    firstLine.set(entry.name, line);
    const origin = `target "${entry.name}" at ${at(index, "name")}`;
    return fleetTarget(entry.name, urls(entry.url ?? context.defaultUrl, origin), entry.schema, origin);
  });
}

/** The entries, or one ConfigError naming every bad one (at most MAX_PROBLEMS, then a count). */
function checkedEntries(value: readonly unknown[], name: string, at: (index: number, key?: string) => string): readonly TargetEntry[] {
  const result = z.array(targetEntrySchema).safeParse(value);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const [index, key] = issue.path as [number, string | undefined];
    const entry = value[index];
    if (issue.code === "unrecognized_keys") {
      for (const unknown of issue.keys) {
        const close = suggestKey(unknown, ENTRY_KEYS);
        problems.push({
          message: `unknown key "${unknown}" in the target at ${at(index, unknown)}${close === undefined ? "" : `; did you mean "${close}"?`}`,
          fix: close === undefined ? `Remove it; a target has ${ENTRY_KEYS.join(", ")}.` : `Rename "${unknown}" to "${close}".`,
        });
      }
      continue;
    }
    // one problem per value, however many checks it failed
    const id = `${index}.${key ?? ""}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (key === undefined) {
      problems.push({ message: `invalid target in ${at(index)}: expected an object such as ${ENTRY_EXAMPLE}, got ${describeValue(entry)}` });
    } else {
      const expected = EXPECTED[key] ?? "a valid value";
      const actual = (entry as Record<string, unknown>)[key];
      problems.push({ message: `invalid target in ${at(index, key)}: "${key}" must be ${expected}, got ${describeValue(actual)}`, fix: `Set "${key}" to ${expected}.` });
    }
  }
  const shown = problems.length > MAX_PROBLEMS + 1 ? [...problems.slice(0, MAX_PROBLEMS), { message: `… and ${problems.length - MAX_PROBLEMS} more problems in ${name}` }] : problems;
  const [only] = shown;
  if (only !== undefined && shown.length === 1) throw new ConfigError(only.message, { key: "targets.file", ...(only.fix === undefined ? {} : { fix: only.fix }) });
  throw new ConfigError(configProblemsText(shown, name), { key: "targets.file", items: shown });
}

/** The line each element of the top-level JSON array starts on (valid JSON text). */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") {
      line++;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r") continue;
    if (depth === 1 && expectValue && ch !== "]") {
      lines.push(line);
      expectValue = false;
    }
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    } else if (ch === "[" || ch === "{") {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === "]" || ch === "}") {
      depth--;
    } else if (ch === "," && depth === 1) {
      expectValue = true;
    }
  }
  return lines;
}
