// The CommonJS build, for `require("stratumdb")` and `require("stratumdb/testing")` on every Node 20
// (require() of an ES module only works unflagged from 20.19). One bundle holds the library and the
// testing kit, so both entry points share one copy of everything (an error thrown by the testing
// kit is an instance of the class `require("stratumdb")` exports). dist/cjs has its own
// package.json ({"type":"commonjs"}), so its .js and .d.ts files are CommonJS to Node and to
// TypeScript alike; the declarations are copies of tsc's.
//
// ES module and CommonJS callers in one process get two copies of the library: an error from one
// is not `instanceof` the other's class (compare `error.code`, which both set).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const OUT = "dist/cjs";
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

await build({
  stdin: {
    contents: 'export * as main from "./index.js";\nexport * as testing from "./testing/index.js";\n',
    resolveDir: "dist",
    sourcefile: "cjs-entry.js",
  },
  outfile: join(OUT, "bundle.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["better-sqlite3", "pg", "mysql2", "jiti", "libpg-query"],
  // import.meta is empty in CommonJS: give the library its own file URL (version.ts reads
  // package.json next to it; jiti resolves from it)
  define: { "import.meta.url": "__stratumFileUrl" },
  banner: { js: 'const __stratumFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});

writeFileSync(join(OUT, "index.js"), '"use strict";\nmodule.exports = require("./bundle.js").main;\n');
mkdirSync(join(OUT, "testing"), { recursive: true });
writeFileSync(join(OUT, "testing", "index.js"), '"use strict";\nmodule.exports = require("../bundle.js").testing;\n');

// The declarations of everything but the CLI, as CommonJS declarations.
function copyDeclarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== "dist/cli" && path !== OUT) copyDeclarations(path);
    } else if (entry.name.endsWith(".d.ts")) {
      const target = join(OUT, relative("dist", path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}
copyDeclarations("dist");
