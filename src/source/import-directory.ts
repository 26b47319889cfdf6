// `stratum import` at the edges: reads another tool's directory through its layout, converts it
// (import.ts) and writes the files, never over an existing one.

import { existsSync, realpathSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import type { Problem } from "../core/types.js";
import { discoverMigrations } from "./discover.js";
import { importedMigrations, type ImportedMigration } from "./import.js";
import { foreignLayouts } from "./layouts/index.js";
import type { Layout, LayoutName } from "./layouts/layout.js";

export interface ImportOptions {
  /** The tool whose layout `dir` is in (a layout name: `goose`, `flyway`, …). */
  readonly from: string;
  /** Where Stratum's files are written (created if missing). */
  readonly out: string;
  /** What relative `dir` and `out` are relative to (default: the process's working directory); messages show them as given. */
  readonly cwd?: string;
  /** The layouts to choose from (default: every one Stratum reads). */
  readonly layouts?: readonly Layout[];
}

export interface ImportResult {
  readonly from: LayoutName;
  /** Absolute paths. */
  readonly dir: string;
  readonly out: string;
  readonly migrations: readonly ImportedMigration[];
  /** Warnings found while reading (nothing that stopped the import). */
  readonly warnings: readonly Problem[];
}

/**
 * Converts the other tool's migrations in `dir` into Stratum's own layout in `options.out`.
 * Every refusal (unknown tool, missing directory, an unreadable or malformed file, a file that
 * would be overwritten) is a usage ConfigError, before anything is written.
 */
export async function importDirectory(dir: string, options: ImportOptions): Promise<ImportResult> {
  const layouts = options.layouts ?? foreignLayouts;
  const cwd = options.cwd ?? process.cwd();
  const source = resolve(cwd, dir);
  const out = resolve(cwd, options.out);
  await directoryOf(dir, source);
  const layout = layouts.find((candidate) => candidate.name === options.from);
  if (layout === undefined) {
    const known = layouts.map((candidate) => candidate.name);
    throw usage(`unknown tool "${options.from}" for --from`, known.length === 0 ? "this build reads no other tool's layout" : `use one of ${known.join(", ")}`);
  }
  if (existsSync(out) && realpathSync(out) === realpathSync(source)) {
    throw usage(`--out ${options.out} is the directory being imported`, "write Stratum's files to a directory of their own, e.g. --out migrations");
  }
  const found = await discoverMigrations(source, { format: layout.name, layouts }).catch((error: unknown) => {
    if (error instanceof ConfigError && error.key === "format") {
      throw usage(`${dir} holds no ${layout.name} migrations`, `pass the directory holding the ${layout.name} migrations, or another --from`);
    }
    throw error;
  });
  const errors = found.problems.filter((problem) => problem.severity === "error");
  if (errors.length > 0) {
    const items = errors.map((problem) => ({ message: problem.message.replace(/\.$/, ""), fix: problem.fix }));
    throw new ConfigError(`cannot import ${dir}: ${items[0]?.message ?? ""}`, { code: "USAGE", fix: errors[0]?.fix ?? "", items });
  }
  if (found.migrations.length === 0) {
    throw usage(`${dir} holds no ${layout.name} migrations`, `pass the directory holding the ${layout.name} migrations, or another --from`);
  }
  const migrations = importedMigrations(found.migrations, layout.name);
  await writeAll(out, options.out, migrations);
  // no target database here: a layout's "generated for another database" check has nothing to compare with
  const warnings = found.problems.filter((problem) => problem.severity !== "error" && problem.code !== "UNMET_REQUIREMENT");
  return { from: layout.name, dir: source, out, migrations, warnings: [...warnings, ...notCarriedWarnings(layout.name, migrations)] };
}

/** One warning listing the tool's files whose SQL Stratum's files do not hold. */
function notCarriedWarnings(tool: string, migrations: readonly ImportedMigration[]): Problem[] {
  const files = migrations.flatMap((migration) => migration.notCarried);
  if (files.length === 0) return [];
  const why = tool === "sqitch" ? "Sqitch verify scripts are not run by Stratum as verifies (Stratum's verify needs a row that is true; Sqitch's passes unless it raises)" : "their SQL is not run by Stratum";
  return [
    {
      code: "MISSING_FILE",
      message: `not carried over (${files.length}): ${files.join(", ")}; ${why}`,
      files,
      fix: "keep them for the other tool (sqitch verify still runs them), or write a -- migrate:verify section that selects a true value",
      severity: "warning",
    },
  ];
}

async function directoryOf(dir: string, absolute: string): Promise<void> {
  const info = await stat(absolute).catch(() => null);
  if (info === null) throw usage(`${dir} does not exist`, "pass the other tool's migrations directory");
  if (!info.isDirectory()) throw usage(`${dir} is not a directory`, "pass the other tool's migrations directory");
}

/** Writes every file, after checking that none exists (a file appearing meanwhile is still not overwritten). */
async function writeAll(out: string, shown: string, migrations: readonly ImportedMigration[]): Promise<void> {
  const names = migrations.flatMap((migration) => migration.files.map((file) => file.name));
  const taken = names.filter((name) => existsSync(join(out, name)));
  if (taken.length > 0) {
    throw usage(
      `${taken.length === 1 ? "a file to be written already exists" : `${taken.length} files to be written already exist`} in ${shown}: ${taken.join(", ")}`,
      "move them away, or pass another --out directory; import never overwrites a file",
    );
  }
  try {
    await mkdir(out, { recursive: true });
    for (const migration of migrations) {
      for (const file of migration.files) await writeFile(join(out, file.name), file.text, { flag: "wx" });
    }
  } catch (error) {
    throw new ConfigError(`cannot write to ${shown}: ${error instanceof Error ? error.message : String(error)}`, {
      code: "USAGE",
      fix: "check that the output directory is writable and that no file is in the way",
      cause: error,
    });
  }
}

function usage(message: string, fix: string): ConfigError {
  return new ConfigError(message, { code: "USAGE", fix });
}
