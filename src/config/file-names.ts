/**
 * The config file names looked for in a directory (finding two of them is an error). A module of
 * its own, without imports, so `stratum init` can use the list without loading the library.
 */
export const CONFIG_FILE_NAMES = [
  "stratum.config.ts",
  "stratum.config.mts",
  "stratum.config.cts",
  "stratum.config.js",
  "stratum.config.mjs",
  "stratum.config.cjs",
  "stratum.config.json",
] as const;
