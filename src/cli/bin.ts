#!/usr/bin/env node
// The `stratum` executable (unbundled; the package's bin is the bundle dist/cli/stratum.mjs, built
// from start.ts by scripts/bundle-cli.mjs). start.ts has the process's signal and exit handling.

import { start } from "./start.js";

await start();
