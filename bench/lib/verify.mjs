// VERIFY: `stratum verify` of the generated schema set of issue 13 (test/support/schema-corpus.ts,
// written by bench/schema-set.mjs) against a plain `stratum up` of the same set on the same server.
// Issue 13's target: verify costs at most 4× the up. Both are whole CLI processes on a fresh,
// empty target database; verify makes its shadow itself (SQLite: in memory; PostgreSQL and
// MariaDB/MySQL: a database on shadow.url, the bench's server, or a server that it starts).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { measureGroup } from "./engine.mjs";
import { measuredRow, ratioAtMost } from "./report.mjs";
import { CLI } from "./workloads.mjs";
import { writeSchemaSet } from "../schema-set.mjs";

const ADMIN_URL = {
  postgres: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  mysql: process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/mysql",
};
const APPLIED = "select count(*) from stratum_migrations where state = 'applied'";
const TARGET = 4;

/** The summary line of a run that went through every migration: `ok: … (N migrations, …)`. */
function verifiedAll(n) {
  return async (_prep, sample) => {
    const summary = /^ok: .*\((\d+) migrations?\b/m.exec(sample.stdout);
    if (summary === null || Number(summary[1]) !== n) throw new Error(`check failed: verify did not report ok over ${n} migrations (${sample.stdout.trim().split("\n").pop()})`);
  };
}

export async function verifyWorkload(ctx) {
  const started = performance.now();
  const { dialect, settings } = ctx;
  const n = settings.verifySize;
  const dir = join(ctx.tmp, `verify-${dialect}-${n}`, "migrations");
  ctx.progress(`VERIFY: writing the ${n}-migration schema set`);
  await writeSchemaSet(dialect, dir, { n });
  const shadowConfig = join(ctx.tmp, `verify-${dialect}-${n}`, "shadow-url.config.json");
  if (dialect !== "sqlite") await writeFile(shadowConfig, `${JSON.stringify({ shadow: { url: ADMIN_URL[dialect] } })}\n`);
  const fresh = { prepare: async () => ({ db: await ctx.server.create() }), cleanup: async (p) => ctx.server.drop(p.db.name) };
  const args = (command, db, extra = []) => ({ script: CLI, args: [command, ...extra, "--dir", dir, "--url", db.url] });
  const cases = [
    {
      id: "up",
      ...fresh,
      command: (p) => args("up", p.db, ["--quiet"]),
      check: async (p) => {
        const got = await ctx.server.scalar(p.db, APPLIED);
        if (Number(got) !== n) throw new Error(`check failed: ${got} migrations applied, expected ${n}`);
      },
    },
  ];
  const server = dialect === "postgres" ? "PostgreSQL" : "MariaDB/MySQL";
  const verifies = dialect === "sqlite"
    ? [{ id: "verify", label: "stratum verify (shadow in memory)", extra: [] }]
    : [
        { id: "verify-url", label: "stratum verify, shadow.url (a database on the same server)", extra: ["--config", shadowConfig] },
        { id: "verify-started", label: `stratum verify, a ${server} server it starts (start included)`, extra: [] },
      ];
  for (const v of verifies) cases.push({ id: v.id, ...fresh, command: (p) => args("verify", p.db, v.extra), check: verifiedAll(n) });
  const r = await measureGroup(cases, { runs: settings.runs, warmup: settings.warmup, cwd: ctx.tmp, progress: (t) => ctx.progress(`VERIFY ${n} ${t}`) });
  const rows = [
    measuredRow(`stratum up of the ${n}-migration set`, r.get("up"), { n, isBaseline: true }),
    ...verifies.map((v) => measuredRow(v.label, r.get(v.id), { n, baseline: r.get("up"), targets: [ratioAtMost(TARGET, "up")] })),
  ];
  return {
    workload: "VERIFY",
    dialect,
    title: `VERIFY · verify vs up of the generated schema set (N=${n}) · ${ctx.server.version}`,
    rows,
    notes: [
      "both on a fresh, empty target database; verify runs up → down → up of each migration on its shadow and describes the schema after each run",
      `measured in ${Math.round((performance.now() - started) / 1000)} s, set-up and teardown included`,
    ],
  };
}
