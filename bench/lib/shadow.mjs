// SHADOW: how long a shadow database (issue 13) takes to make, per dialect and provider. Unlike
// the other workloads this is measured inside this process, through the built library's dialect
// registry: the time is ShadowDatabase.startMs (creating the database, or finding the binaries,
// initialising a data directory and starting the server until it accepts connections). close()
// is timed too, and shown in a note. Runs are interleaved across the providers.

import { execFileSync } from "node:child_process";
import { measuredRow } from "./report.mjs";

const ADMIN_URLS = Object.freeze({
  postgres: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  mysql: process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/mysql",
});

function machinePostgresBin() {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8", timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

/** The providers measured for a dialect: label and the ShadowRequest fields. */
function providers(dialect, serverVersion) {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STRATUM_")));
  if (dialect === "sqlite") return [{ label: "SQLite: in memory", request: { targetUrl: "sqlite:./bench.db", server: null, environment } }];
  if (dialect === "postgres") {
    const major = /PostgreSQL (\d+)/.exec(serverVersion)?.[1] ?? "15";
    const server = { flavor: "postgres", version: major };
    const bin = machinePostgresBin();
    return [
      { label: "PostgreSQL: database on shadow.url", request: { targetUrl: ADMIN_URLS.postgres, server, url: ADMIN_URLS.postgres, environment } },
      { label: "PostgreSQL: embedded (npm package)", request: { targetUrl: ADMIN_URLS.postgres, server, environment } },
      ...(bin === undefined
        ? []
        : [
            {
              label: "PostgreSQL: machine binaries",
              request: { targetUrl: ADMIN_URLS.postgres, server, environment: { ...environment, STRATUM_SHADOW_POSTGRES_BIN: bin } },
            },
          ]),
    ];
  }
  return [
    { label: "MariaDB: database on shadow.url", request: { targetUrl: ADMIN_URLS.mysql, server: null, url: ADMIN_URLS.mysql, environment } },
    { label: "MariaDB: throwaway server", request: { targetUrl: ADMIN_URLS.mysql, server: null, environment } },
  ];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs, rssMB: null });

/** SHADOW: ShadowDatabase.startMs per provider, median of the runs. */
export async function shadowStart(ctx) {
  const started = performance.now();
  const registry = await import(new URL("../../dist/dialects/registry.js", import.meta.url).href);
  const cases = providers(ctx.dialect, ctx.server.version).map((c) => ({ ...c, starts: [], closes: [], description: "", error: null }));
  const rounds = (ctx.settings.warmup ? 1 : 0) + ctx.settings.runs;
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      if (c.error !== null) continue;
      ctx.progress(`SHADOW ${c.label} ${round + 1}/${rounds}`);
      try {
        const { module } = registry.parseWithModule(c.request.targetUrl);
        const shadow = await module.openShadow({ cwd: ctx.tmp, ...c.request });
        const closing = performance.now();
        await shadow.close();
        if (round === 0 && ctx.settings.warmup) continue;
        c.starts.push(shadow.startMs / 1000);
        c.closes.push((performance.now() - closing) / 1000);
        c.description = shadow.description;
      } catch (error) {
        c.error = String(error?.message ?? error).split("\n")[0];
      }
    }
  }
  const rows = cases.map((c) =>
    measuredRow(c.label, c.error !== null ? { error: c.error } : { summary: summary(c.starts) }, { isBaseline: false }),
  );
  const notes = cases
    .filter((c) => c.error === null && c.closes.length > 0)
    .map((c) => `${c.label}: ${c.description.replace(/:\d+\b/, ":PORT").replace(/stratum-shadow-my-\w+/, "stratum-shadow-my-…")}; close() median ${median(c.closes).toFixed(3)} s`);
  notes.push(
    "times are ShadowDatabase.startMs, measured in this process (not a CLI process): finding binaries, initdb / mariadb-install-db, start until ready",
    `took ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { workload: "SHADOW", dialect: ctx.dialect, title: `SHADOW · shadow database start · ${ctx.server.version}`, rows, notes };
}
