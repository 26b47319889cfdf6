// DRIFT and LINT: the figures issues 13 and 14 name for the new commands.
// DRIFT: `stratum drift` on a database whose schema is 300 tables (each with an index), made by
// 300 applied migrations: one introspection and one row read; issue 13's target is under 0.5 s.
// LINT: `stratum lint --all` over the 5,000-migration set (10% TypeScript) the other workloads use;
// issue 14's target is under 5 s. Both are whole CLI processes, Node's start included.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import { measureGroup } from "./engine.mjs";
import { writeSmallMigrations } from "./generate.mjs";
import { runNode } from "./measure.mjs";
import { measuredRow, secondsAtMost } from "./report.mjs";
import { CLI } from "./workloads.mjs";

const cli = (args, db, dir) => ({ script: CLI, args: [...args, "--dir", dir, "--url", db.url] });

/** The command must end with exit 0 and print `want`. */
const printed = (want) => async (_prep, sample) => {
  if (!want.test(sample.stdout)) throw new Error(`check failed: expected ${want} in the output, got: ${sample.stdout.trim().split("\n").pop()}`);
};

export async function driftWorkload(ctx) {
  const started = performance.now();
  const { dialect, settings } = ctx;
  const n = 300;
  const dir = await writeSmallMigrations(join(ctx.tmp, `drift-${n}`), { count: n });
  const db = await ctx.server.create();
  try {
    ctx.progress(`DRIFT: set-up (stratum up of ${n} tables)`);
    const setup = cli(["up", "--quiet"], db, dir);
    await runNode(setup.script, setup.args, { cwd: ctx.tmp });
    const shared = { prepare: async () => ({ db }) };
    const r = await measureGroup([{ id: "drift", ...shared, command: (p) => cli(["drift"], p.db, dir), check: printed(/^no drift/m) }], {
      runs: settings.runs,
      warmup: settings.warmup,
      cwd: ctx.tmp,
      progress: (t) => ctx.progress(`DRIFT ${t}`),
    });
    return {
      workload: "DRIFT",
      dialect,
      title: `DRIFT · stratum drift on a ${n}-table schema · ${ctx.server.version}`,
      rows: [measuredRow(`stratum drift, ${n} tables (${n} indexes), no drift`, r.get("drift"), { n, targets: [secondsAtMost(0.5)] })],
      notes: ["the whole CLI process: Node's start, one introspection, one row read, the comparison", `measured in ${Math.round((performance.now() - started) / 1000)} s`],
    };
  } finally {
    await ctx.server.drop(db.name);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function lintWorkload(ctx) {
  const started = performance.now();
  const { dialect, settings } = ctx;
  const n = 5000;
  const dir = await writeSmallMigrations(join(ctx.tmp, `lint-${n}`), { count: n, tsEvery: 10 });
  const db = await ctx.server.create();
  try {
    const shared = { prepare: async () => ({ db }) };
    const r = await measureGroup([{ id: "lint", ...shared, command: (p) => cli(["lint", "--all"], p.db, dir), check: printed(/migrations linted/) }], {
      runs: settings.runs,
      warmup: settings.warmup,
      cwd: ctx.tmp,
      progress: (t) => ctx.progress(`LINT ${t}`),
    });
    return {
      workload: "LINT",
      dialect,
      title: `LINT · stratum lint --all over ${n} migrations (10% TypeScript) · ${ctx.server.version}`,
      rows: [measuredRow(`stratum lint --all, ${n} migrations`, r.get("lint"), { n, targets: [secondsAtMost(5)] })],
      notes: ["the whole CLI process: discovery, one analysis pass per statement, the rules", `measured in ${Math.round((performance.now() - started) / 1000)} s`],
    };
  } finally {
    await ctx.server.drop(db.name);
    await rm(dir, { recursive: true, force: true });
  }
}
