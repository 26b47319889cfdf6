// Killing a fleet run midway and running it again finishes the rest without re-applying anything
// (issue 15 acceptance): SIGTERM stops starting targets and lets the running ones end cleanly
// (exit 143); SIGKILL drops everything at once. Either way the second run takes every target to
// head and each migration is logged as applied exactly once per target.

import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, runCli } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const COUNT = 24;
const names = Array.from({ length: COUNT }, (_, i) => `shard_${String(i + 1).padStart(2, "0")}`);

// 002 takes a while on every target (a few hundred thousand rows), so the kill lands midway
const MIGRATIONS = {
  "001_big.sql": "-- migrate:up\nCREATE TABLE big (id int);\n-- migrate:down\nDROP TABLE big;\n",
  "002_fill.sql":
    "-- migrate:up\nWITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) INSERT INTO big SELECT x FROM n;\n" +
    "-- migrate:down\nDELETE FROM big;\n",
  "003_c.sql": "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n",
};

let project: Project | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

function setup(): Project {
  project = makeProject(MIGRATIONS);
  mkdirSync(join(project.dir, "db"));
  project.write("stratum.config.json", JSON.stringify({ targets: names.map((name) => ({ name, url: `sqlite:./db/${name}.db` })) }));
  return project;
}

/** Starts `stratum up --all-targets` and sends `signal` once `after` targets have ended ok. */
function runAndKill(dir: string, signal: NodeJS.Signals, after: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, "up", "--all-targets", "--concurrency", "2"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && (stdout.match(/ {2}ok {2}/g)?.length ?? 0) >= after) {
        sent = true;
        child.kill(signal);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, got) => {
      clearTimeout(timer);
      resolvePromise({ code, signal: got, stdout });
    });
  });
}

/** Per target: the applied versions, and how many times each was logged as applied successfully. */
function history(dir: string, name: string): { applied: string[]; appliedLog: Record<string, number> } {
  const db = new Database(join(dir, "db", `${name}.db`), { readonly: true, fileMustExist: true });
  try {
    const applied = db
      .prepare("select version from stratum_migrations where state = 'applied' order by version")
      .all()
      .map((row) => (row as { version: string }).version);
    const appliedLog: Record<string, number> = {};
    for (const row of db
      .prepare("select version, count(*) as n from stratum_log where operation = 'apply' and outcome = 'success' group by version order by version")
      .all() as { version: string; n: number }[]) {
      appliedLog[row.version] = row.n;
    }
    return { applied, appliedLog };
  } finally {
    db.close();
  }
}

describe("killing a fleet run midway, then running it again", () => {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`${signal}: the second run finishes the rest and re-applies nothing`, async () => {
      const p = setup();
      const first = await runAndKill(p.dir, signal, 5);
      const doneFirst = first.stdout.match(/^shard_\d\d {2}ok {2}applied 3 migrations/gm)?.length ?? 0;
      expect(doneFirst, first.stdout).toBeGreaterThanOrEqual(5);
      expect(doneFirst, first.stdout).toBeLessThan(COUNT);
      if (signal === "SIGTERM") {
        // stopped cleanly: its own exit code, and the summary says the rest were skipped
        expect(first.code, first.stdout).toBe(143);
        expect(first.stdout).toMatch(/targets skipped: interrupted/);
      } else {
        expect(first.signal).toBe("SIGKILL");
      }

      const second = await runCli(["up", "--all-targets", "--concurrency", "4"], { cwd: p.dir });
      expect(second.code, second.output).toBe(0);
      // the targets the first run finished are a no-op now
      expect(second.stdout.match(/ {2}ok {2}up to date \(/g)?.length ?? 0).toBeGreaterThanOrEqual(doneFirst);
      expect(second.stdout).toMatch(/^ {2}ok +24$/m);
      for (const name of names) {
        const seen = history(p.dir, name);
        expect(seen.applied, name).toEqual(["001", "002", "003"]);
        expect(seen.appliedLog, name).toEqual({ "001": 1, "002": 1, "003": 1 });
      }
      // and a third run changes nothing anywhere
      const third = await runCli(["up", "--all-targets"], { cwd: p.dir });
      expect(third.code).toBe(0);
      expect(third.stdout.match(/ {2}ok {2}up to date \(/g)).toHaveLength(COUNT);
      expect(third.stdout).toMatch(/^ {2}changed +0$/m);
    });
  }
});
