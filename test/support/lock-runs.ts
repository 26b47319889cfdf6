// Shared by the cluster-lock tests: a project whose migrations leave a countable effect, many
// `stratum up --json` runs at the same instant, and what each run said about its lock.

import { runCli, type CliResult } from "./cli.js";
import { makeProject, type Project } from "./project.js";

/** 001 creates `effects`; 002–004 each sleep `seconds`, then insert their own version once. */
export function effectsProject(flavour: "postgres" | "mysql", config: Record<string, unknown>, seconds = 0.2): Project {
  const sleep = flavour === "postgres" ? `SELECT pg_sleep(${seconds});` : `DO SLEEP(${seconds});`;
  const create =
    flavour === "postgres"
      ? "CREATE TABLE effects (id serial PRIMARY KEY, v varchar(10) NOT NULL);"
      : "CREATE TABLE effects (id int AUTO_INCREMENT PRIMARY KEY, v varchar(10) NOT NULL);";
  const migrations: Record<string, string> = { "001_effects.sql": `-- migrate:up\n${create}\n-- migrate:down\nDROP TABLE effects;\n` };
  for (const v of ["002", "003", "004"]) {
    migrations[`${v}_effect.sql`] = `-- migrate:up\n${sleep}\nINSERT INTO effects (v) VALUES ('${v}');\n-- migrate:down\nDELETE FROM effects WHERE v = '${v}';\n`;
  }
  const project = makeProject(migrations);
  project.write("stratum.config.json", JSON.stringify({ lockTimeout: "120s", ...config }));
  return project;
}

/** Starts every run before awaiting any: `urls[i]` is run i's database. */
export function upAtOnce(project: Project, urls: readonly string[]): Promise<CliResult[]> {
  return Promise.all(urls.map((url) => runCli(["up", "--json", "--url", url], { cwd: project.dir, timeoutMs: 150_000 })));
}

/** The `lock` of the run's `lock:acquired` event (its `--json` output). */
export function lockOf(result: CliResult): { kind: string; reason: string } | undefined {
  for (const line of result.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as { type?: string; lock?: { kind: string; reason: string } };
    if (event.type === "lock:acquired") return event.lock;
  }
  return undefined;
}

/** How many migrations the run applied, from its `run:end` event. */
export function appliedBy(result: CliResult): number {
  let count = 0;
  for (const line of result.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as { type?: string };
    if (event.type === "migration:end") count++;
  }
  return count;
}
