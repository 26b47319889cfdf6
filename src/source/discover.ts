import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { checksumOf } from "../core/checksum.js";
import {
  entryAt,
  entryCount,
  entryFiles,
  keptEntry,
  readDiscoveryCache,
  sameListing,
  trustedStamp,
  unchangedAt,
  unchangedEntry,
  writeDiscoveryCache,
  type CacheEntry,
  type DiscoveryCache,
  type WholeListing,
} from "./discovery-cache.js";
import { ConfigError } from "../core/errors.js";
import type { MigrationFile, MigrationOptions, Problem, SqlScript } from "../core/types.js";
import { compareVersions, versionGroups, versionKey } from "../core/version.js";
import { option } from "../core/vocabulary.js";
import { computedExecFileCalls, execFileCalls } from "./exec-files.js";
import { isMigrationCandidate, parseFileName, type ParsedFileName } from "./file-name.js";
import { isProblem, problem } from "./problem.js";
import { chooseLayout, layoutFromText, SNIFFED_FILES, type LayoutFormat } from "./layouts/detect.js";
import { foreignLayouts } from "./layouts/index.js";
import type { Layout, LayoutName, ListedFile } from "./layouts/layout.js";
import { chooseVariants } from "./layouts/variants.js";
import { inDir, isInsideDir } from "./read-inside-dir.js";
import { parseSqlMigration, parseSqlPair } from "./sql-file.js";
import { migrationFromUnit } from "./units.js";

export interface DiscoveryResult {
  readonly migrations: MigrationFile[];
  readonly problems: Problem[];
  /** The other tool's layout the directory was read as; absent for Stratum's own. */
  readonly layout?: LayoutUsed;
}

/** Which layout read the directory, and whether it was detected or named by `format`. */
export interface LayoutUsed {
  readonly name: LayoutName;
  readonly detected: boolean;
}

/** How a directory is read. */
export interface SourceOptions {
  /** The layout (`auto`, the default: detected from the directory, else Stratum's own). */
  readonly format?: LayoutFormat | undefined;
  /** The target's dialect name: it chooses per-dialect variants (`001_x.postgres.up.sql`). */
  readonly dialect?: string | undefined;
  /** The other tools' layouts to detect among (default: every one Stratum reads). */
  readonly layouts?: readonly Layout[] | undefined;
  /**
   * Where discovery may keep what it learnt from each file (see discovery-cache.ts), so that the
   * next run over unchanged files reads none of them; `build` names the code that parsed them.
   * Stratum's own layout only. Without it every file is read on every run.
   */
  readonly cache?: { readonly dir: string; readonly build: string; readonly now?: () => number } | undefined;
}

/** Where migrations come from. One method, so tests and library users can supply their own. */
export interface MigrationSource {
  list(): Promise<DiscoveryResult>;
}

/** The migrations in one directory on disk, read through its layout (see `SourceOptions`). */
export function fileSystemSource(dir: string, options: SourceOptions = {}): MigrationSource {
  return { list: () => discoverMigrations(dir, options) };
}

/** Options of a migration that declares none (and of code migrations until they are loaded). */
export const DEFAULT_OPTIONS: MigrationOptions = { dependsOn: [], irreversible: false, requires: [] };

/** How many files discovery reads before letting the event loop run (see discoverOwn). */
const READS_BETWEEN_TURNS = 64;

/** One strict decoder for every file: invalid UTF-8 is an error, a BOM is kept (checksums strip it). */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

interface ReadFile {
  readonly fileName: string;
  readonly parsed: ParsedFileName;
  readonly text: string;
}

/**
 * Finds the migrations in `dir`: only the files directly inside it (subdirectories are ignored,
 * symbolic links are followed only when they stay inside it), each read once. Code migrations
 * are not imported. Returns the migrations sorted by version and every problem found; throws
 * only when the directory itself is missing.
 */
export async function discoverMigrations(dir: string, options: SourceOptions = {}): Promise<DiscoveryResult> {
  const root = resolve(dir);
  const realRoot = await openDirectory(dir, root);
  const format = options.format ?? "auto";
  const layouts = options.layouts ?? foreignLayouts;
  // the listing a whole result is recorded under: Stratum's own layout, or detection among every layout
  const wholeFormat = format === "stratum" || (format === "auto" && options.layouts === undefined) ? format : null;
  const cacheAt = options.cache;
  const cache = cacheAt === undefined || wholeFormat === null ? undefined : readDiscoveryCache(cacheAt.dir, cacheAt.build, realRoot, options.dialect ?? "");
  let listed: Dirent[] | undefined;
  if (cache !== undefined && wholeFormat !== null && cache.stored.listing !== null) {
    listed = listRoot(dir, root);
    const recorded = recordedWhole(root, cache, listed, wholeFormat);
    if (recorded !== null) return { migrations: recorded, problems: [] };
  }
  if (format !== "stratum" && (format !== "auto" || layouts.length > 0)) {
    const paths = listTree(dir, root, realRoot, listed, (entries) => (listed = entries));
    const choice = chooseLayout(dir, paths, format, layouts);
    const layout = choice.layout ?? (format === "auto" ? layoutFromText(sniffed(root, realRoot, paths), layouts) : null);
    if (layout !== null) return readForeign(root, realRoot, paths, layout, choice.detected, options.dialect);
  }
  // Stratum's own layout after a look for the others: the directory is not listed a second time
  return discoverOwn(dir, root, realRoot, options.dialect, listed, cache === undefined ? undefined : { cache, startedAt: cacheAt?.now?.() ?? Date.now(), wholeFormat });
}

/** The directory's entries, or one clear error when it cannot be listed. */
function listRoot(dir: string, root: string): Dirent[] {
  try {
    return readdirSync(root, { withFileTypes: true });
  } catch (error) {
    throw unreadableDirectory(dir, error);
  }
}

function unreadableDirectory(dir: string, error: unknown): ConfigError {
  return new ConfigError(`migrations directory ${dir} cannot be read: ${errorMessage(error)}`, {
    fix: `check the directory's permissions or pass ${option("dir")}`,
    key: "dir",
    cause: error,
  });
}

/**
 * The migrations the cache recorded as the whole result of this directory, if `entries` are the
 * listing it recorded them under and every migration's files are still stamped as recorded;
 * otherwise null (the directory is then read as usual). They are in discovery's order already.
 */
export function recordedWhole(root: string, cache: DiscoveryCache, entries: readonly Dirent[], format: string): MigrationFile[] | null {
  const names = listingOf(entries);
  if (names === null || !sameListing(cache, names, format)) return null;
  const count = entryCount(cache);
  const migrations: MigrationFile[] = [];
  for (let m = 0; m < count; m++) {
    if (!unchangedAt(cache, m, root)) return null;
    const files = entryFiles(cache, m);
    const recorded = entryAt(cache, m);
    migrations.push(fromCache(root, recordedName(files[0] as string), files, recorded.checksum, recorded.options ?? DEFAULT_OPTIONS));
  }
  return migrations;
}

/**
 * The names of the directory's entries, sorted, if every one is a regular file; else null. Hidden
 * entries (`.git`, `.DS_Store`) are left out: no layout and no migration reads them.
 */
function listingOf(entries: readonly Dirent[]): string[] | null {
  const names: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Dirent;
    if (entry.name.startsWith(".")) continue;
    if (!entry.isFile()) return null;
    names.push(entry.name);
  }
  return names.sort();
}

/**
 * What the name of a recorded migration's main file says: it parsed when it was recorded
 * (`<version>_<slug>[.<dialect>][.up].<ext>`), and the name is the same, so its version runs to
 * the first `_` and its slug to the first `.` after it.
 */
function recordedName(fileName: string): Pick<ParsedFileName, "version" | "name" | "id" | "kind"> {
  const underscore = fileName.indexOf("_");
  const version = fileName.slice(0, underscore);
  const name = fileName.slice(underscore + 1, fileName.indexOf(".", underscore));
  return { version, name, id: `${version}_${name}`, kind: fileName.endsWith(".sql") ? "sql" : "code" };
}

/** Stratum's own layout: the files directly inside the directory. */
async function discoverOwn(
  dir: string,
  root: string,
  realRoot: string,
  dialect: string | undefined,
  listed: readonly Dirent[] | undefined,
  cached: { readonly cache: DiscoveryCache; readonly startedAt: number; readonly wholeFormat: string | null } | undefined,
): Promise<DiscoveryResult> {
  const problems: Problem[] = [];

  let entries;
  try {
    entries = listed ?? (await readdir(root, { withFileTypes: true }));
  } catch (error) {
    throw unreadableDirectory(dir, error);
  }
  const candidates = entries
    .filter((entry) => !entry.isDirectory() && isMigrationCandidate(entry.name))
    .map((entry) => ({ name: entry.name, symlink: entry.isSymbolicLink(), file: entry.isFile() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // this dialect's variants replace the untagged files of their migration; other dialects' are not there
  const byName = new Map(candidates.map((entry) => [entry.name, entry]));
  const names = chooseVariants(
    candidates.map((entry) => entry.name),
    dialect,
  ).map((chosen) => {
    const entry = byName.get(chosen.name) as (typeof candidates)[number];
    return { name: entry.name, symlink: entry.symlink, file: entry.file, base: chosen.base };
  });

  const parsedNames: { name: string; symlink: boolean; parsed: ParsedFileName }[] = [];
  for (const entry of names) {
    if (!entry.file && !entry.symlink) {
      // a FIFO, socket or device named like a migration: reported, never opened
      problems.push(notRegular(entry.name));
      continue;
    }
    const parsed = parseFileName(entry.base);
    // a bad name is reported as written, tag and all
    if (isProblem(parsed)) problems.push(entry.base === entry.name ? parsed : parseFileName(entry.name) as Problem);
    else parsedNames.push({ name: entry.name, symlink: entry.symlink, parsed });
  }

  // A migration whose files are as the cache recorded them is not read: its sections are parsed
  // when first used (an applied one's, by a no-op run, never).
  const cache = cached?.cache;
  const found: MigrationFile[] = [];
  const hits: number[] = [];
  const covered = new Set<string>();
  if (cache !== undefined && entryCount(cache) > 0) {
    const downOf = new Map<string, { name: string; symlink: boolean }>();
    for (let i = 0; i < parsedNames.length; i++) {
      const entry = parsedNames[i] as (typeof parsedNames)[number];
      if (entry.parsed.part === "down") downOf.set(entry.parsed.id, entry);
    }
    for (let i = 0; i < parsedNames.length; i++) {
      const entry = parsedNames[i] as (typeof parsedNames)[number];
      if (entry.symlink || entry.parsed.part === "down") continue;
      const down = entry.parsed.part === "up" ? downOf.get(entry.parsed.id) : undefined;
      if (down?.symlink === true) continue;
      const names = down === undefined ? [entry.name] : [entry.name, down.name];
      const m = unchangedEntry(cache, entry.name, names, root);
      if (m < 0) continue;
      // the same file name: the same kind of migration
      const recorded = entryAt(cache, m);
      found.push(fromCache(root, entry.parsed, names, recorded.checksum, recorded.options ?? DEFAULT_OPTIONS));
      hits.push(m);
      covered.add(entry.name);
      if (down !== undefined) covered.add(down.name);
    }
  }

  // Synchronous reads: thousands of small files cost one syscall each instead of four trips
  // through the thread pool (this is the start-up cost of every `status` and no-op `up`). Every
  // READS_BETWEEN_TURNS files the event loop gets a turn, so a connection opened meanwhile (the
  // driver's loading, the server's start of the session) goes on while the files are read.
  // With a cache, each file is stamped before it is read, so its entry never describes a later
  // text than the one read.
  const files: ReadFile[] = [];
  const stamps = new Map<string, readonly number[]>();
  let reads = 0;
  for (const entry of parsedNames) {
    if (covered.has(entry.name)) continue;
    if (++reads % READS_BETWEEN_TURNS === 0) await new Promise(setImmediate);
    if (cache !== undefined && !entry.symlink) {
      const stamp = trustedStamp(inDir(root, entry.name), cached?.startedAt ?? 0);
      if (stamp !== null) stamps.set(entry.name, stamp);
    }
    const result = readMigrationFile(root, realRoot, entry.name, entry.symlink, entry.parsed);
    if (result === null) continue;
    if (isProblem(result)) problems.push(result);
    else files.push(result);
  }

  const added = new Map<string, CacheEntry>();
  const read = assemble(root, realRoot, files, problems, (migration) => {
    if (cache === undefined) return;
    const main = stamps.get(migration.files[0] as string);
    const down = migration.files.length > 1 ? stamps.get(migration.files[1] as string) : [];
    if (main === undefined || down === undefined) return;
    added.set(migration.files[0] as string, {
      files: migration.files,
      stamps: down.length === 0 ? main : [...main, ...down],
      checksum: migration.checksum,
      options: isDefaultOptions(migration.options) ? null : migration.options,
    });
  });
  const migrations = found.length === 0 ? read : [...found, ...read];
  migrations.sort(compareMigrations);
  problems.push(...duplicateVersions(migrations));
  if (cached !== undefined) recordDiscovery(cached.cache, entries, candidates.length, { migrations, problems, hits, added }, cached.wholeFormat);
  return { migrations, problems };
}

/**
 * Writes what this run learnt, when the cache would say something else next time: a migration
 * recorded, changed or gone, or the directory's whole result to record under its listing (when
 * every file is a regular file, every migration candidate belongs to a migration recorded, and
 * nothing is wrong).
 */
function recordDiscovery(
  cache: DiscoveryCache,
  entries: readonly Dirent[],
  candidates: number,
  run: { readonly migrations: readonly MigrationFile[]; readonly problems: readonly Problem[]; readonly hits: readonly number[]; readonly added: ReadonlyMap<string, CacheEntry> },
  wholeFormat: string | null,
): void {
  const { migrations, problems, hits, added } = run;
  const recorded = hits.length + added.size;
  let fileCount = 0;
  for (const migration of migrations) fileCount += migration.files.length;
  let whole: WholeListing | null = null;
  if (wholeFormat !== null && problems.length === 0 && recorded === migrations.length && fileCount === candidates) {
    const names = listingOf(entries);
    if (names !== null) whole = { names, format: wholeFormat };
  }
  const listed = whole !== null && sameListing(cache, whole.names, whole.format);
  if (added.size === 0 && hits.length === entryCount(cache) && (whole === null || listed)) return;
  // in discovery's order, so that a run that finds the same listing takes them as they are
  const entryOf = new Map(added);
  for (const m of hits) entryOf.set(entryFiles(cache, m)[0] as string, keptEntry(cache, m));
  const ordered: CacheEntry[] = [];
  for (const migration of migrations) {
    const entry = entryOf.get(migration.files[0] as string);
    if (entry !== undefined) ordered.push(entry);
  }
  writeDiscoveryCache(cache, ordered, whole);
}

async function openDirectory(dir: string, root: string): Promise<string> {
  const fix = `run \`stratum init\` or pass ${option("dir")}`;
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) {
      throw new ConfigError(`migrations directory ${dir} does not exist`, { fix, key: "dir", cause: error });
    }
    throw new ConfigError(`migrations directory ${dir} cannot be read: ${errorMessage(error)}`, {
      fix: `check the directory's permissions or pass ${option("dir")}`,
      key: "dir",
      cause: error,
    });
  }
  if (!info.isDirectory()) {
    throw new ConfigError(`migrations directory ${dir} is not a directory`, { fix, key: "dir" });
  }
  return realpath(root);
}

/** Reads one migration file; `null` for a symbolic link to a directory (ignored like one). */
function readMigrationFile(
  root: string,
  realRoot: string,
  fileName: string,
  symlink: boolean,
  parsed: ParsedFileName,
): ReadFile | Problem | null {
  let target = inDir(root, fileName);
  if (symlink) {
    let resolved: string;
    try {
      resolved = realpathSync(target);
    } catch {
      return problem(
        "MALFORMED_NAME",
        `${fileName} is a symbolic link whose target does not exist.`,
        [fileName],
        "Remove the link or point it at a file inside the migrations directory.",
      );
    }
    if (resolved === realRoot) return null; // a link to the directory itself
    if (!isInsideDir(realRoot, resolved)) {
      return problem(
        "MALFORMED_NAME",
        `${fileName} is a symbolic link pointing outside the migrations directory, which Stratum does not follow.`,
        [fileName],
        "Copy the migration into the migrations directory instead of linking to it.",
      );
    }
    let info;
    try {
      info = statSync(resolved);
    } catch {
      info = null;
    }
    if (info === null) return null;
    if (info.isDirectory()) return null; // a link to a directory is ignored like one
    if (!info.isFile()) return notRegular(fileName);
    // Read the resolved path so the link cannot be swapped between the check and the read.
    target = resolved;
  }
  // A file that is there but cannot be used names its version, so an applied one is never
  // taken for a missing file (which `repair --remove-missing` would forget).
  const onDisk = (found: Problem): Problem => ({ ...found, versions: [parsed.version] });
  let text: string | Problem;
  try {
    // Node reads and decodes the file in one call, with no Buffer to allocate and collect; it
    // replaces bad UTF-8 with U+FFFD, so a text holding one (or a NUL) is read again as bytes,
    // where the strict decoder tells a real U+FFFD from bad bytes and names the line
    text = readFileSync(target, "utf8");
    if (text.includes("\uFFFD") || text.includes("\0")) text = decodeText(fileName, readFileSync(target));
  } catch (error) {
    return onDisk(unreadableFile(fileName, target, error));
  }
  return typeof text === "string" ? { fileName, parsed, text } : onDisk(text);
}

/** A file's bytes as text: a NUL byte or invalid UTF-8 is a problem naming `fileName:line`. */
function decodeText(fileName: string, bytes: Buffer): string | Problem {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const where = `${fileName}:${lineOfByte(bytes, nul)}`;
    return problem(
      "BAD_SECTION",
      `${fileName} contains a NUL byte at ${where}, so it is not a text file.`,
      [where],
      "Save the migration as UTF-8 text, or move the file out of the migrations directory.",
    );
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    const where = `${fileName}:${lineOfByte(bytes, firstInvalidUtf8(bytes))}`;
    return problem(
      "BAD_SECTION",
      `${fileName} is not valid UTF-8 (first bad byte at ${where}).`,
      [where],
      "Save the migration with UTF-8 encoding.",
    );
  }
}

/** Directories a listing for another tool's layout never enters. */
const SKIPPED_DIRECTORIES = new Set(["node_modules"]);
/** How deep a listing goes (Sqitch's `deploy/<schema>/<change>.sql` is two levels down). */
const LISTING_DEPTH = 6;

/**
 * Every file below the directory, as relative `/`-separated paths, sorted: names starting with
 * `.` are skipped, and symbolic links are followed only when they stay inside the directory.
 * `onRoot` is handed the directory's own entries, which Stratum's layout reads without listing again.
 */
function listTree(dir: string, root: string, realRoot: string, rootEntries: Dirent[] | undefined, onRoot: (entries: Dirent[]) => void): string[] {
  const paths: string[] = [];
  const walk = (absolute: string, prefix: string, depth: number): void => {
    let entries;
    try {
      entries = depth === 0 && rootEntries !== undefined ? rootEntries : readdirSync(absolute, { withFileTypes: true });
      if (depth === 0) onRoot(entries);
    } catch (error) {
      if (depth > 0) return; // an unreadable subdirectory holds nothing this layout reads
      throw unreadableDirectory(dir, error);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = prefix + entry.name;
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let info;
        try {
          const real = realpathSync(inDir(absolute, entry.name));
          info = isInsideDir(realRoot, real) && real !== realRoot ? statSync(real) : null;
        } catch {
          info = null;
        }
        isDirectory = info?.isDirectory() ?? false;
        isFile = info?.isFile() ?? false;
      }
      if (isDirectory && depth < LISTING_DEPTH && !SKIPPED_DIRECTORIES.has(entry.name)) {
        walk(inDir(absolute, entry.name), `${path}/`, depth + 1);
      } else if (isFile) {
        paths.push(path);
      }
    }
  };
  walk(root, "", 0);
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Another tool's directory, read through its layout: the files it wants read once, then its units. */
function readForeign(
  root: string,
  realRoot: string,
  paths: readonly string[],
  layout: Layout,
  detected: boolean,
  dialect: string | undefined,
): DiscoveryResult {
  const problems: Problem[] = [];
  const texts = new Map<string, string>();
  const files: ListedFile[] = paths.map((path) => {
    if (!layout.wants(path)) return { path, text: null };
    const text = readListed(root, realRoot, path);
    if (typeof text !== "string") {
      problems.push(text);
      return { path, text: null };
    }
    texts.set(path, text);
    return { path, text };
  });
  const result = layout.read(files, dialect ?? "");
  problems.push(...result.problems);
  const migrations = result.units.map((unit) => migrationFromUnit(root, unit, texts, problems));
  migrations.sort(compareMigrations);
  // a duplicate the layout reported already (by file, or by the folder holding it) is not said twice
  const reported = result.problems.filter((p) => p.code === "DUPLICATE_VERSION").flatMap((p) => p.files);
  const told = (file: string) => reported.some((r) => r === file || (r.endsWith("/") && file.startsWith(r)));
  problems.push(...duplicateVersions(migrations).filter((p) => !p.files.some(told)));
  return { migrations, problems, layout: { name: layout.name, detected } };
}

/** The first few top-level migration files' texts (unreadable ones left out: Stratum's own read reports them). */
function sniffed(root: string, realRoot: string, paths: readonly string[]): { path: string; text: string }[] {
  const texts: { path: string; text: string }[] = [];
  for (const path of paths) {
    if (texts.length >= SNIFFED_FILES) break;
    if (path.includes("/") || !isMigrationCandidate(path)) continue;
    const text = readListed(root, realRoot, path);
    if (typeof text === "string") texts.push({ path, text });
  }
  return texts;
}

/** One listed file's text (it was listed inside the directory, links included). */
function readListed(root: string, realRoot: string, path: string): string | Problem {
  let bytes: Buffer;
  const absolute = resolve(root, path);
  try {
    const real = realpathSync(absolute);
    if (!isInsideDir(realRoot, real)) {
      return problem(
        "MALFORMED_NAME",
        `${path} is a symbolic link pointing outside the migrations directory, which Stratum does not follow.`,
        [path],
        "Copy the migration into the migrations directory instead of linking to it.",
      );
    }
    bytes = readFileSync(real);
  } catch (error) {
    return unreadableFile(path, absolute, error);
  }
  return decodeText(path, bytes);
}

/**
 * Turns the files into migrations: pairs `.up.sql`/`.down.sql`, parses SQL, checksums. `clean` is
 * told of each migration whose files gave no problem at all (and, for code, that runs no other file).
 */
function assemble(
  root: string,
  realRoot: string,
  files: readonly ReadFile[],
  problems: Problem[],
  clean: (migration: MigrationFile) => void = () => undefined,
): MigrationFile[] {
  const ups = new Map<string, ReadFile>();
  const downs = new Map<string, ReadFile>();
  for (const file of files) {
    if (file.parsed.part === "up") ups.set(file.parsed.id, file);
    if (file.parsed.part === "down") downs.set(file.parsed.id, file);
  }

  const migrations: MigrationFile[] = [];
  for (const file of files) {
    const { parsed, fileName, text } = file;
    if (parsed.part === "down") {
      if (!ups.has(parsed.id)) {
        problems.push(
          problem(
            "MISSING_FILE",
            `${fileName} has no matching ${parsed.id}.up.sql.`,
            [fileName],
            `Add ${parsed.id}.up.sql, or rename ${fileName} to match its up file.`,
          ),
        );
      }
      continue;
    }
    // Every field written out, in one order, rather than spread from a shared base: thousands
    // of migrations then share one object shape, and the planner's reads of them stay fast.
    const path = inDir(root, fileName);
    if (parsed.kind === "code") {
      const included = includedFiles(root, realRoot, fileName, text, problems);
      const migration: MigrationFile = {
        version: parsed.version,
        name: parsed.name,
        id: parsed.id,
        path,
        kind: "code",
        files: [fileName],
        checksum: checksumOf([text, ...included.texts]),
        includes: included.paths,
        up: null,
        down: null,
        verify: null,
        options: DEFAULT_OPTIONS,
      };
      migrations.push(migration);
      // one that runs other files is read whole each time: their texts are part of its checksum
      if (!text.includes("execFile")) clean(migration);
      continue;
    }
    const downFile = parsed.part === "up" ? downs.get(parsed.id) : undefined;
    const result =
      parsed.part === "up"
        ? parseSqlPair(fileName, text, downFile?.fileName ?? null, downFile?.text ?? null)
        : parseSqlMigration(fileName, text);
    problems.push(...result.problems);
    const texts = downFile ? [text, downFile.text] : [text];
    const migration: MigrationFile = {
      version: parsed.version,
      name: parsed.name,
      id: parsed.id,
      path,
      kind: "sql",
      files: downFile ? [fileName, downFile.fileName] : [fileName],
      checksum: checksumOf(texts),
      up: result.up,
      down: result.down,
      verify: result.verify,
      options: result.options,
    };
    migrations.push(migration);
    if (result.problems.length === 0) clean(migration);
  }
  return migrations;
}

/**
 * A migration as the cache recorded it, its files unchanged since (see discovery-cache.ts). An SQL
 * migration's sections are read and parsed when first asked for, once; its text must still give
 * the checksum recorded, or the run stops (the file was written while it ran).
 */
function fromCache(root: string, parsed: Pick<ParsedFileName, "version" | "name" | "id" | "kind">, names: readonly string[], checksum: string, options: MigrationOptions): MigrationFile {
  const path = inDir(root, names[0] as string);
  if (parsed.kind === "code") {
    const { version, name, id } = parsed;
    return { version, name, id, path, kind: "code", files: names, checksum, includes: [], up: null, down: null, verify: null, options };
  }
  // own enumerable accessors, shared by every such migration: a spread or JSON.stringify of one
  // reads its sections as it would a parsed migration's
  const migration = { version: parsed.version, name: parsed.name, id: parsed.id, path, kind: "sql", files: names, checksum, options };
  return Object.defineProperties(migration, LAZY_SECTIONS) as unknown as MigrationFile;
}

/** Where a cached SQL migration keeps its sections once parsed (not enumerable: never copied). */
const PARSED = Symbol("parsed sections");
type Sections = { readonly up: SqlScript | null; readonly down: SqlScript | null; readonly verify: SqlScript | null };
type LazyMigration = Omit<MigrationFile, "up" | "down" | "verify"> & { [PARSED]?: Sections };
const sectionsOf = (migration: LazyMigration): Sections => (migration[PARSED] ??= reparse(migration));
const LAZY_SECTIONS: PropertyDescriptorMap = {
  [PARSED]: { value: undefined, writable: true, enumerable: false, configurable: false },
  up: {
    enumerable: true,
    get(this: LazyMigration) {
      return sectionsOf(this).up;
    },
  },
  down: {
    enumerable: true,
    get(this: LazyMigration) {
      return sectionsOf(this).down;
    },
  },
  verify: {
    enumerable: true,
    get(this: LazyMigration) {
      return sectionsOf(this).verify;
    },
  },
};

/** The sections of a cached SQL migration, from its files, which must still hold the text recorded. */
function reparse(migration: LazyMigration): Sections {
  const [main, down] = migration.files as [string, string | undefined];
  const root = dirname(migration.path);
  const texts = migration.files.map((name) => {
    try {
      return readFileSync(inDir(root, name), "utf8");
    } catch (error) {
      throw changedMeanwhile(name, `it cannot be read any more (${errorMessage(error)})`);
    }
  });
  if (checksumOf(texts) !== migration.checksum) throw changedMeanwhile(main, "its text is not the one read at the start");
  const result =
    down !== undefined || main.endsWith(".up.sql")
      ? parseSqlPair(main, texts[0] as string, down ?? null, down === undefined ? null : (texts[1] as string))
      : parseSqlMigration(main, texts[0] as string);
  return { up: result.up, down: result.down, verify: result.verify };
}

function changedMeanwhile(fileName: string, how: string): ConfigError {
  return new ConfigError(`${fileName} changed while this command was running: ${how}, so it was not used`, {
    fix: "run the command again once the migration files are no longer being written",
  });
}

/** Whether a migration's options are the defaults (the cache stores none for them). */
function isDefaultOptions(options: MigrationOptions): boolean {
  if (options === DEFAULT_OPTIONS) return true;
  for (const key in options) {
    const value = options[key as keyof MigrationOptions];
    if (value === undefined || (key === "irreversible" && value === false)) continue;
    if ((key === "dependsOn" || key === "requires") && Array.isArray(value) && value.length === 0) continue;
    return false;
  }
  return true;
}

/**
 * The files a code migration runs through `ctx.execFile("…")` (see exec-files.ts), read so their
 * text joins the checksum. A missing file, or one outside the directory, is a problem here, before
 * anything runs.
 */
function includedFiles(
  root: string,
  realRoot: string,
  fileName: string,
  source: string,
  problems: Problem[],
): { paths: string[]; texts: string[] } {
  const paths: string[] = [];
  const texts: string[] = [];
  if (!source.includes("execFile")) return { paths, texts };
  for (const line of computedExecFileCalls(source)) {
    const where = `${fileName}:${line}`;
    problems.push(
      problem(
        "BAD_SECTION",
        `${fileName} runs a file through ctx.execFile at ${where} with a path computed at run time, which cannot be part of its checksum, so the call would be refused.`,
        [where],
        'Name the file with a string literal, e.g. ctx.execFile("seed/users.sql").',
      ),
    );
  }
  for (const call of execFileCalls(source)) {
    paths.push(call.path);
    const where = `${fileName}:${call.line}`;
    const target = isAbsolute(call.path) ? call.path : resolve(root, call.path);
    let real: string;
    try {
      real = realpathSync(target);
    } catch {
      problems.push(
        problem(
          "MISSING_FILE",
          `${fileName} runs ${call.path} through ctx.execFile at ${where}, but there is no such file in the migrations directory.`,
          [where],
          "Add the file, or correct the path (it is relative to the migrations directory).",
        ),
      );
      continue;
    }
    if (!isInsideDir(realRoot, real)) {
      problems.push(
        problem(
          "BAD_SECTION",
          `${fileName} runs ${call.path} through ctx.execFile at ${where}, which is outside the migrations directory.`,
          [where],
          "Keep the files a migration runs inside the migrations directory (a subdirectory is a good place).",
        ),
      );
      continue;
    }
    try {
      texts.push(readFileSync(real, "utf8"));
    } catch (error) {
      problems.push(
        problem(
          "BAD_SECTION",
          `${fileName} runs ${call.path} through ctx.execFile at ${where}, which cannot be read: ${errorMessage(error)}.`,
          [where],
          "Check the file's permissions, or correct the path.",
        ),
      );
    }
  }
  return { paths, texts };
}

/** Two migrations with the same version as an integer (`001_a` and `1_b`, or `x.sql` and `x.up.sql`). */
function duplicateVersions(migrations: readonly MigrationFile[]): Problem[] {
  const groups = versionGroups(migrations);
  if (groups === null) return [];
  const problems: Problem[] = [];
  for (const group of groups) {
    const files = group.flatMap((m) => m.files);
    const first = group[0];
    problems.push({
      ...problem(
        "DUPLICATE_VERSION",
        `version ${first === undefined ? "" : versionKey(first.version)} is used by more than one migration: ${files.join(", ")}.`,
        files,
        "Give each migration its own version number (rename all but one of the files).",
      ),
      versions: group.map((m) => m.version),
    });
  }
  return problems;
}

function compareMigrations(a: MigrationFile, b: MigrationFile): number {
  const c = a.version === b.version ? 0 : compareVersions(a.version, b.version);
  if (c !== 0) return c;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function notRegular(fileName: string): Problem {
  return problem(
    "BAD_SECTION",
    `${fileName} is not a regular file (a pipe, socket or device), so Stratum does not read it.`,
    [fileName],
    "Replace it with a regular file, or move it out of the migrations directory.",
  );
}

/** 1-based line of a byte offset. */
function lineOfByte(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

/** Offset of the first byte that breaks UTF-8 (the decoder said there is one). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    // decoding the one character is the exact test (overlongs, surrogates, ranges)
    try {
      UTF8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/** A migration file this user may not read: the operating system's reason, and whose it is. */
function unreadableFile(fileName: string, path: string, error: unknown): Problem {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== "EACCES" && code !== "EPERM") {
    return problem("BAD_SECTION", `${fileName} cannot be read: ${errorMessage(error)}.`, [fileName], "Check the file's permissions.");
  }
  const uid = process.getuid?.();
  let owner: number | undefined;
  try {
    owner = statSync(path).uid;
  } catch {
    owner = undefined;
  }
  const who =
    uid === undefined ? "" : owner === undefined || owner === uid ? ` (uid ${uid})` : ` (uid ${uid}), or run stratum as its owner (uid ${owner})`;
  return problem(
    "BAD_SECTION",
    `${fileName} cannot be read: permission denied (${code}).`,
    [fileName],
    `Make ${fileName} readable by this user${who}.`,
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
