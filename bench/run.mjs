#!/usr/bin/env node
// `npm run bench` / `node bench/run.mjs [--quick] [--only …] [--workloads …] [--json file]`:
// measures whole Stratum CLI processes against raw-driver baselines on SQLite, PostgreSQL and
// MariaDB, and prints one table per workload and dialect. See bench/README.md.

import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, USAGE, UsageError } from "./lib/args.mjs";
import { DIALECT_LABELS, openServer, redactUrl } from "./lib/databases.mjs";
import { formatTable, isNoisy } from "./lib/report.mjs";
import { CLI, WORKLOAD_DIALECTS, WORKLOAD_RUNNERS } from "./lib/workloads.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The checked-out commit, read from .git without running git (for comparing JSON files). */
function currentCommit() {
  try {
    const gitDir = join(ROOT, ".git");
    const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    if (existsSync(join(gitDir, ref))) return readFileSync(join(gitDir, ref), "utf8").trim();
    const packed = readFileSync(join(gitDir, "packed-refs"), "utf8");
    return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

function stratumVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version ?? "?";
  } catch {
    return "?";
  }
}

const tty = process.stderr.isTTY === true;
const progress = tty ? (text) => process.stderr.write(`\r\x1b[K  ${text}`) : () => {};
const clearProgress = () => tty && process.stderr.write("\r\x1b[K");

async function main() {
  let settings;
  try {
    settings = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (settings.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${CLI} does not exist; run \`npm run build\` first (or \`npm run bench\`).\n`);
    return 2;
  }

  const startedAt = new Date();
  const commit = currentCommit();
  const cpu = cpus();
  console.log(
    `Stratum ${stratumVersion()}${commit === null ? "" : ` @ ${commit.slice(0, 12)}`} · Node ${process.version} · ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? "?"} · ${startedAt.toISOString()}`,
  );
  console.log(
    `${settings.quick ? "quick" : "full"} run: ${settings.runs} measured runs per case${settings.warmup ? " after a warm-up" : ", no warm-up"}; ` +
      `W1 N ∈ {${settings.w1Sizes.join(", ")}}, W2 at {${settings.w2Sizes.join(", ")}} applied, W3 at ${settings.w3Size} applied; ` +
      `times are whole processes (spawn to exit), median / min / max in seconds`,
  );
  const load = loadavg()[0];
  console.log(
    `load average at start: ${load.toFixed(2)} on ${cpu.length} CPUs${load > cpu.length / 2 ? " — other work on this machine will inflate and scatter the times" : ""}\n`,
  );

  const tmp = await mkdtemp(join(tmpdir(), "stratum-bench-"));
  const servers = new Map();
  const skipped = [];
  const cleanUp = async () => {
    for (const server of servers.values()) {
      try {
        await server.close();
      } catch (error) {
        process.stderr.write(`bench: could not drop the ${server.label} bench databases: ${redactUrl(String(error?.message ?? error))}\n`);
      }
    }
    servers.clear();
    await rm(tmp, { recursive: true, force: true });
  };
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    clearProgress();
    process.stderr.write("bench: interrupted; dropping the bench databases\n");
    cleanUp().finally(() => process.exit(130));
  });

  const tables = [];
  try {
    for (const dialect of settings.dialects) {
      try {
        servers.set(dialect, await openServer(dialect));
      } catch (error) {
        const why = redactUrl(error instanceof Error ? error.message : String(error));
        skipped.push(`${DIALECT_LABELS[dialect]}: cannot connect (${why})`);
      }
    }
    for (const line of skipped) console.log(`skipped ${line}\n`);

    for (const workload of settings.workloads) {
      const allowed = WORKLOAD_DIALECTS[workload];
      for (const [dialect, server] of servers) {
        if (interrupted) return 130;
        if (allowed !== undefined && !allowed.includes(dialect)) continue;
        if (!tty) process.stderr.write(`running ${workload} on ${server.label}…\n`);
        let table;
        try {
          table = await WORKLOAD_RUNNERS[workload]({ server, dialect, settings, tmp, progress, servers });
        } catch (error) {
          table = {
            workload,
            dialect,
            title: `${workload} · ${server.version}`,
            rows: [],
            notes: [`the workload could not run: ${redactUrl(error instanceof Error ? error.message : String(error))}`],
          };
        } finally {
          await server.dropAll();
        }
        clearProgress();
        tables.push(table);
        console.log(`${formatTable(table)}\n`);
      }
      if (allowed !== undefined && !settings.dialects.some((d) => allowed.includes(d))) {
        console.log(`${workload} runs on ${allowed.map((d) => DIALECT_LABELS[d]).join(", ")} only; not selected\n`);
      } else if (allowed !== undefined && !allowed.some((d) => servers.has(d))) {
        console.log(`${workload} skipped: ${allowed.map((d) => DIALECT_LABELS[d]).join(", ")} not reachable\n`);
      }
    }

    const judged = tables.flatMap((t) => t.rows.filter((r) => r.met !== null).map((r) => ({ table: t, row: r })));
    const missed = judged.filter(({ row }) => row.met === false);
    console.log(`targets: ${judged.length - missed.length} of ${judged.length} met`);
    for (const { table, row } of missed) {
      console.log(`  missed  ${table.workload} ${DIALECT_LABELS[table.dialect]}  ${row.case}: ${row.error ?? row.missed.join(", ")}`);
    }
    const noisy = tables.flatMap((t) => t.rows).filter(isNoisy).length;
    if (noisy > 0) console.log(`noisy rows (max > 1.5× min): ${noisy}; their medians are unreliable`);
    const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
    const loadAtEnd = loadavg()[0];
    console.log(`whole bench: ${Math.floor(seconds / 60)} min ${seconds % 60} s; load average at the end: ${loadAtEnd.toFixed(2)}`);

    if (settings.jsonFile !== undefined) {
      const document = {
        format: "stratum-bench/1",
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        stratumVersion: stratumVersion(),
        commit,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpus: { count: cpu.length, model: cpu[0]?.model.trim() ?? null },
        loadAverageAtStart: load,
        loadAverageAtEnd: loadAtEnd,
        settings,
        servers: Object.fromEntries([...servers].map(([d, s]) => [d, s.version])),
        skipped,
        tables: tables.map((t) => ({
          workload: t.workload,
          dialect: t.dialect,
          title: t.title,
          notes: t.notes,
          rows: t.rows.map(({ case: name, n, median, min, max, runs, rssMB, ratio, paired, isBaseline, target, met, missed: miss, error, retried }) => ({
            case: name,
            n,
            medianSeconds: median,
            minSeconds: min,
            maxSeconds: max,
            runSeconds: runs,
            peakRssMB: rssMB,
            ratio,
            ratioPaired: paired === true,
            baseline: isBaseline,
            target: target === "" ? null : target,
            met,
            missed: miss,
            error: error ?? null,
            retried,
          })),
        })),
      };
      await writeFile(settings.jsonFile, `${JSON.stringify(document, null, 2)}\n`);
      console.log(`results written to ${settings.jsonFile}`);
    }
    return 0;
  } finally {
    if (!interrupted) await cleanUp();
  }
}

process.exitCode = await main();
