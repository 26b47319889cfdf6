// Command-line options of `node bench/run.mjs`. Pure: argv in, a frozen settings object out.

import { parseArgs } from "node:util";

export const DIALECTS = Object.freeze(["sqlite", "postgres", "mysql"]);
export const WORKLOADS = Object.freeze(["W1", "W2", "W3", "W4", "SHADOW", "VERIFY", "DRIFT", "LINT", "FLEET"]);
/** What runs without --workloads: FLEET (1,000 targets, several minutes) only when named. */
export const DEFAULT_WORKLOADS = Object.freeze(WORKLOADS.filter((w) => w !== "FLEET"));

const DIALECT_ALIASES = Object.freeze({
  sqlite: "sqlite",
  postgres: "postgres",
  postgresql: "postgres",
  pg: "postgres",
  mysql: "mysql",
  mariadb: "mysql",
});

export const USAGE = `usage: node bench/run.mjs [options]

  --quick               W1 with N in {100, 1000}, W2 at 1,000 applied, 3 runs each and no
                        warm-up round (a fast check, not numbers to quote)
  --only <list>         dialects to run: sqlite,postgres,mysql (mariadb and pg are aliases)
  --workloads <list>    workloads to run: W1,W2,W3,W4,SHADOW,VERIFY,DRIFT,LINT,FLEET (SHADOW:
                        shadow database start; VERIFY: verify vs up of the generated schema set;
                        DRIFT: drift on 300 tables; LINT: lint --all over 5,000 migrations;
                        FLEET: up --all-targets over 1,000 targets, only when named)
  --runs <n>            measured runs per case (default 5, --quick 3); a warm-up run comes first
  --sizes <list>        W1 sizes, e.g. 100,1000 (default 100,1000,5000; MariaDB 100,1000
                        unless --sizes is given: its N=5000 case alone takes about 6 minutes)
  --applied <list>      W2 sizes, e.g. 1000 (default 1000,5000)
  --verify-size <n>     VERIFY's number of migrations (default 300, --quick 100)
  --fleet-size <n>      FLEET's number of targets (default 1000, in the 600/300/100 mix)
  --json <file>         also write every result (all runs) to this JSON file
  --help                print this text

Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) and
BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/mysql) name the admin connections used to
create and drop the throwaway databases.`;

export class UsageError extends Error {}

function list(value, name, allowed) {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`${name} expects a comma-separated list, got "${value}"`);
  return items.map((item) => {
    const found = allowed(item);
    if (found === undefined) throw new UsageError(`${name}: unknown value "${item}"`);
    return found;
  });
}

function sizes(value, name) {
  return list(value, name, (item) => (/^\d+$/.test(item) && Number(item) > 0 ? Number(item) : undefined));
}

/** Parses argv (without `node run.mjs`) into settings; throws UsageError on a bad flag. */
export function parseBenchArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        workloads: { type: "string" },
        runs: { type: "string" },
        sizes: { type: "string" },
        applied: { type: "string" },
        "verify-size": { type: "string" },
        "fleet-size": { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const dialects =
    v.only === undefined
      ? DIALECTS
      : [...new Set(list(v.only, "--only", (item) => DIALECT_ALIASES[item.toLowerCase()]))];
  const workloads =
    v.workloads === undefined
      ? DEFAULT_WORKLOADS
      : [...new Set(list(v.workloads, "--workloads", (item) => WORKLOADS.find((w) => w === item.toUpperCase())))];
  const runs = v.runs === undefined ? (quick ? 3 : 5) : sizes(v.runs, "--runs")[0];
  if (v.json !== undefined && v.json.trim() === "") throw new UsageError("--json expects a file name");
  return Object.freeze({
    help: v.help === true,
    quick,
    dialects: Object.freeze([...dialects]),
    workloads: Object.freeze([...workloads]),
    runs,
    /** One untimed round before the measured ones; --quick skips it (a fast check, not numbers to quote). */
    warmup: !quick,
    w1Sizes: Object.freeze(v.sizes === undefined ? (quick ? [100, 1000] : [100, 1000, 5000]) : sizes(v.sizes, "--sizes")),
    /** Without --sizes, MariaDB's W1 stops at N=1000 (N=5000 alone takes about 6 minutes there). */
    w1SizesExplicit: v.sizes !== undefined,
    w2Sizes: Object.freeze(v.applied === undefined ? (quick ? [1000] : [1000, 5000]) : sizes(v.applied, "--applied")),
    w3Size: 1000,
    /** FLEET's number of targets (default 1,000: 600 PostgreSQL schemas, 300 SQLite files, 100 MariaDB databases). */
    fleetSize: v["fleet-size"] === undefined ? 1000 : sizes(v["fleet-size"], "--fleet-size")[0],
    verifySize: v["verify-size"] === undefined ? (quick ? 100 : 300) : sizes(v["verify-size"], "--verify-size")[0],
    jsonFile: v.json,
  });
}
