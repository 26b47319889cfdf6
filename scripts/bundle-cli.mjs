// Bundles the CLI into one file (dist/cli/stratum.mjs): one module to load instead of ~200,
// which is most of a no-op `stratum up`'s start-up time. Drivers and loaders stay external and
// are still imported only when needed.
import { build } from "esbuild";

await build({
  entryPoints: ["dist/cli/bin.js"],
  outfile: "dist/cli/stratum.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "pg", "mysql2", "jiti", "libpg-query"],
  banner: { js: "import { createRequire as __stratumRequire } from 'node:module'; const require = __stratumRequire(import.meta.url);" },
  logLevel: "warning",
});
