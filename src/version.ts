import { readFileSync } from "node:fs";

/**
 * This package's version, from the nearest package.json named "stratumdb": one level up from
 * dist/*.js, two from dist/cli/*.js and from the bundled CLI (dist/cli/stratum.mjs).
 */
export const TOOL_VERSION: string = (() => {
  for (const up of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "stratumdb" && pkg.version) return pkg.version;
    } catch {
      // try the next level
    }
  }
  return "0.0.0";
})();
