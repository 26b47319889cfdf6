#!/usr/bin/env node
// The generated schema set of issue 13 (test/support/schema-corpus.ts `generatedSet`) for the
// verify / drift / schema-dump benchmarks, and the plain `stratum up` of it that verify is
// compared with (target: verify ≤ 4× this).
//
//   node bench/schema-set.mjs write <sqlite|postgres|mysql> <dir> [--n 300] [--seed 13]
//   node bench/schema-set.mjs up-baseline [--only sqlite,postgres] [--n 300] [--runs 3]
//
// From another bench module: `import { writeSchemaSet } from "./schema-set.mjs"`.
// The corpus is TypeScript; esbuild (already a dev dependency) bundles it once per process.

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { openServer, DIALECT_LABELS } from "./lib/databases.mjs";
import { median, runNode } from "./lib/measure.mjs";
import { CLI } from "./lib/workloads.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CORPUS = join(ROOT, "test", "support", "schema-corpus.ts");

let corpus;

/** The corpus module (`kindsSet`, `brokenVariants`, `generatedSet`, `writeMigrations`, …), bundled from TypeScript. */
export async function loadSchemaCorpus() {
  if (corpus !== undefined) return corpus;
  const { build } = await import("esbuild");
  const outDir = await mkdtemp(join(tmpdir(), "stratum-corpus-bundle-"));
  const outfile = join(outDir, "schema-corpus.mjs");
  await build({ entryPoints: [CORPUS], bundle: true, platform: "node", format: "esm", target: "node20", outfile, logLevel: "silent" });
  corpus = await import(pathToFileURL(outfile).href);
  await rm(outDir, { recursive: true, force: true });
  return corpus;
}

/** Writes the generated set of `n` migrations for `dialect` into `dir`; returns the migrations written. */
export async function writeSchemaSet(dialect, dir, { n = 300, seed = 13 } = {}) {
  const { generatedSet, writeMigrations } = await loadSchemaCorpus();
  const migrations = generatedSet(dialect, n, seed);
  await mkdir(dir, { recursive: true });
  writeMigrations(migrations, dir);
  return migrations;
}

const APPLIED = "select count(*) from stratum_migrations where state = 'applied'";

/** Times `stratum up` of the n-set on a fresh database, `runs` times; the database is created and dropped outside the timing. */
export async function measureUpBaseline(dialect, { n = 300, runs = 3, seed = 13 } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), "stratum-schema-set-"));
  const dir = join(tmp, "migrations");
  await writeSchemaSet(dialect, dir, { n, seed });
  const server = await openServer(dialect);
  const seconds = [];
  try {
    for (let run = 0; run < runs; run++) {
      const db = await server.create();
      const result = await runNode(CLI, ["up", "--quiet", "--dir", dir, "--url", db.url], { cwd: tmp });
      const applied = Number(await server.scalar(db, APPLIED));
      await server.drop(db.name);
      if (applied !== n) throw new Error(`check failed: ${applied} migrations applied on ${dialect}, expected ${n}`);
      seconds.push(result.seconds);
    }
  } finally {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
  return { dialect, n, runs, seconds, median: median(seconds) };
}

function option(args, name, fallback) {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
}

async function main(args) {
  const [command] = args;
  const n = Number(option(args, "--n", "300"));
  const seed = Number(option(args, "--seed", "13"));
  if (command === "write") {
    const [, dialect, dir] = args;
    if (!(dialect in DIALECT_LABELS) || dir === undefined) throw new Error("usage: node bench/schema-set.mjs write <sqlite|postgres|mysql> <dir> [--n 300] [--seed 13]");
    const written = await writeSchemaSet(dialect, dir, { n, seed });
    console.log(`${written.length} migrations for ${DIALECT_LABELS[dialect]} written to ${dir}`);
    return;
  }
  if (command === "up-baseline") {
    const only = option(args, "--only", "sqlite,postgres").split(",");
    const runs = Number(option(args, "--runs", "3"));
    for (const dialect of only) {
      const r = await measureUpBaseline(dialect, { n, runs, seed });
      console.log(
        `${DIALECT_LABELS[dialect]}: stratum up of the ${n}-migration schema set, fresh database: median ${r.median.toFixed(2)} s ` +
          `(runs: ${r.seconds.map((s) => s.toFixed(2)).join(", ")})`,
      );
    }
    return;
  }
  throw new Error("usage: node bench/schema-set.mjs write <dialect> <dir> [--n 300] [--seed 13] | up-baseline [--only sqlite,postgres] [--n 300] [--runs 3]");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`schema-set: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
