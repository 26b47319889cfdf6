import { constants } from "node:fs";
import { lstat, mkdir, open } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { CONFIG_FILE_NAMES, DEFAULT_URL, displayUrl, EXIT } from "../../basics.js";
import { usageError } from "../options.js";
import { printJson, printLines, type CommandContext } from "./command-context.js";

export const DEFAULT_DIR = "./migrations";

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function shown(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

/**
 * `stratum init`: creates the migrations directory and a `stratum.config.json` with `url` and
 * `dir`; never overwrites a configuration. Both belong in version control, so their modes follow
 * the umask (another OS user can read the checkout) — except a config whose url holds a password,
 * which is made 0600.
 */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const cwd = ctx.io.cwd;
  const requested = ctx.globals.configPath;
  if (requested !== undefined && !requested.endsWith(".json")) {
    throw usageError(`init writes a JSON configuration, so --config must name a .json file, got "${requested}"`);
  }
  const configFile = resolve(cwd, requested ?? "stratum.config.json");
  const candidates = requested === undefined ? CONFIG_FILE_NAMES.map((name) => join(cwd, name)) : [configFile];
  for (const candidate of candidates) {
    if (await exists(candidate)) {
      throw usageError(
        `${shown(cwd, candidate)} already exists and init never overwrites a configuration; nothing was changed`,
        "edit that file instead, or remove it and run stratum init again",
      );
    }
  }

  const dirSetting = ctx.globals.flags.dir ?? DEFAULT_DIR;
  const dir = resolve(cwd, dirSetting);
  const created: string[] = [];
  if (!(await exists(dir))) {
    await mkdir(dir, { recursive: true });
    created.push(dir);
  }
  await mkdir(dirname(configFile), { recursive: true });
  const config = { url: ctx.globals.flags.url ?? DEFAULT_URL, dir: dirSetting };
  const holdsPassword = displayUrl(config.url) !== config.url.trim();
  let handle;
  try {
    // O_EXCL: fails on an existing file and never follows a planted symlink
    handle = await open(configFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, holdsPassword ? 0o600 : 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw usageError(`${shown(cwd, configFile)} already exists and init never overwrites a configuration`);
    }
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(config, null, 2)}\n`, "utf8");
  } finally {
    await handle.close();
  }
  created.push(configFile);

  if (ctx.globals.json) {
    printJson(ctx, { created, config: configFile, dir });
    return EXIT.ok;
  }
  const lines = created.map((path) => `created ${shown(cwd, path)}${path === dir ? "/" : ""}`);
  if (!created.includes(dir)) lines.unshift(`${shown(cwd, dir)}/ already exists, kept it`);
  if (holdsPassword) {
    lines.push(
      `${shown(cwd, configFile)} holds a password, so only you can read it (mode 0600): keep it out of version control, or give the url through STRATUM_URL instead`,
    );
  }
  lines.push(`next: stratum create create_first_table`);
  printLines(ctx, lines);
  return EXIT.ok;
}
