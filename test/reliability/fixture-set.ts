// Migration sets for the reliability tests, deliberately non-idempotent: CREATE TABLE without
// IF NOT EXISTS, and one unique row per migration in applied_counter, so a double apply fails
// loudly and a partial one is visible statement by statement.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkInvariants, readState, waitForQuiet, type ExpectedMigration, type ExpectedState, type Observed, type Probe } from "../support/invariants.js";
import { runCli, type CliResult } from "../support/cli.js";
import { cliGroup, runUntilPause, startCli, type CliGroup, type PausedCli, type RunningCli } from "../support/pause.js";
import { makeProject, type Project } from "../support/project.js";
import type { Target, TargetName, TestDb } from "../support/targets.js";

export interface FixtureMigration extends ExpectedMigration {
  readonly file: string;
  readonly text: string;
  readonly kind: "sql" | "code";
  readonly tables: readonly string[];
  /** The counter table its last statement writes to. */
  readonly counter: string;
  readonly effects: readonly Probe[];
  /** SQL migrations: number of statements. */
  readonly statements: number | null;
}

export interface FixtureOptions {
  /** How many migrations (the first creates applied_counter). */
  readonly count: number;
  /** Versions (numbers) written as TypeScript migrations. */
  readonly codeAt?: readonly number[];
  /** A statement (SQL) or a sleep (code) of about this long inside every migration but the first. */
  readonly slowMs?: number;
  /** Prefix of every table name (two projects in one database). */
  readonly prefix?: string;
  /** Versions whose TypeScript up() sleeps this long (a slow migration to interrupt). */
  readonly sleepyAt?: ReadonlyMap<number, number>;
}

const pad = (n: number) => String(n).padStart(3, "0");
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

function slowStatement(dialect: TargetName, ms: number): string {
  switch (dialect) {
    case "postgres":
      return `SELECT pg_sleep(${(ms / 1000).toFixed(3)});`;
    case "mysql":
      return `DO SLEEP(${(ms / 1000).toFixed(3)});`;
    case "sqlite":
      // no sleep in SQLite: count through a recursive CTE (about 3 400 rows per millisecond)
      return `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${ms * 3400}) SELECT count(*) FROM c;`;
  }
}

function indexProbe(dialect: TargetName, index: string): string {
  switch (dialect) {
    case "postgres":
      return `select count(*) as n from pg_indexes where indexname = '${index}'`;
    case "mysql":
      return `select count(*) as n from information_schema.statistics where table_schema = database() and index_name = '${index}'`;
    case "sqlite":
      return `select count(*) as n from sqlite_master where type = 'index' and name = '${index}'`;
  }
}

/** A linear set: 001 creates the counter table, the others a table, an index, rows and their counter row. */
export function fixtureSet(dialect: TargetName, options: FixtureOptions): FixtureMigration[] {
  const prefix = options.prefix ?? "";
  const counter = `${prefix}applied_counter`;
  const code = new Set(options.codeAt ?? []);
  const set: FixtureMigration[] = [];
  const counterProbe = (version: string): Probe => ({
    what: `${counter} row ${version}`,
    sql: `select count(*) as n from ${counter} where version = '${version}'`,
  });
  for (let n = 1; n <= options.count; n++) {
    const version = pad(n);
    if (n === 1) {
      const text = [`CREATE TABLE ${counter} (version VARCHAR(20) PRIMARY KEY);`, `INSERT INTO ${counter} (version) VALUES ('${version}');`, ""].join("\n");
      set.push({
        version,
        file: `${version}_counter.sql`,
        text,
        checksum: sha256(text),
        kind: "sql",
        counter,
        tables: [counter],
        effects: [{ what: `table ${counter}`, table: counter }, counterProbe(version)],
        effectsAfter: [0, 1, 2],
        statements: 2,
      });
      continue;
    }
    const table = `${prefix}t_${version}`;
    const sleepy = options.sleepyAt?.get(n);
    if (code.has(n) || sleepy !== undefined) {
      const pause = sleepy ?? options.slowMs ?? 0;
      const text = [
        "export async function up(ctx) {",
        `  await ctx.sql("CREATE TABLE ${table} (id INTEGER PRIMARY KEY, note VARCHAR(50))");`,
        `  await ctx.sql("INSERT INTO ${table} (id, note) VALUES (?, ?)", [1, "a"]);`,
        pause > 0 ? `  await new Promise((resolve) => setTimeout(resolve, ${pause}));` : "",
        `  await ctx.sql("INSERT INTO ${counter} (version) VALUES (?)", ["${version}"]);`,
        "}",
        "",
      ]
        .filter((line, i, all) => line !== "" || i === all.length - 1)
        .join("\n");
      set.push({
        version,
        file: `${version}_code.ts`,
        text,
        checksum: sha256(text),
        kind: "code",
        counter,
        tables: [table],
        effects: [{ what: `table ${table}`, table }, { what: `rows of ${table}`, sql: `select count(*) as n from ${table}` }, counterProbe(version)],
        statements: null,
      });
      continue;
    }
    const statements = [
      `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, note VARCHAR(50));`,
      `CREATE INDEX ${table}_note_idx ON ${table} (note);`,
      `INSERT INTO ${table} (id, note) VALUES (1, 'a'), (2, 'b');`,
      ...(options.slowMs ? [slowStatement(dialect, options.slowMs)] : []),
      `INSERT INTO ${counter} (version) VALUES ('${version}');`,
    ];
    const text = statements.join("\n") + "\n";
    set.push({
      version,
      file: `${version}_things.sql`,
      text,
      checksum: sha256(text),
      kind: "sql",
      counter,
      tables: [table],
      effects: [
        { what: `table ${table}`, table },
        { what: `index ${table}_note_idx`, sql: indexProbe(dialect, `${table}_note_idx`) },
        { what: `rows of ${table}`, sql: `select count(*) as n from ${table}` },
        counterProbe(version),
      ],
      effectsAfter: options.slowMs ? [0, 1, 2, 3, 3, 4] : [0, 1, 2, 3, 4],
      statements: statements.length,
    });
  }
  return set;
}

export function projectOf(set: readonly FixtureMigration[]): Project {
  return makeProject(Object.fromEntries(set.map((m) => [m.file, m.text])));
}

/** What the database must look like with the first `k` of `set` applied. */
export function expectedAfter(set: readonly FixtureMigration[], k: number, extra: Partial<ExpectedState> = {}): ExpectedState {
  return {
    migrations: set.slice(0, k),
    absent: set.slice(k),
    tables: set.slice(0, k).flatMap((m) => m.tables),
    ...extra,
  };
}

/**
 * After an interruption: finds how many migrations are applied and checks the invariants for
 * exactly that many. PostgreSQL and SQLite must sit on a migration boundary; MariaDB may show the
 * next migration `running` or `failed` (dirty, visible) unless `extra.allowRunning` says otherwise.
 */
export async function checkSettled(
  db: TestDb,
  set: readonly FixtureMigration[],
  dialect: TargetName,
  extra: Partial<ExpectedState> = {},
): Promise<Observed & { readonly k: number }> {
  if ((extra.lock ?? "free") === "free") {
    // a killed run's last statement (a COMMIT already sent) may still land: read once it has
    expect(await waitForQuiet(db, dialect, extra.lockWaitMs ?? 5000), "sessions of finished runs still connected").toBeGreaterThanOrEqual(0);
  }
  const rows = await readState(db, dialect, extra.schema === undefined ? {} : { schema: extra.schema });
  const k = rows.filter((r) => r.state === "applied").length;
  const next = set[k];
  const allowRunning = dialect === "mysql" && next !== undefined ? [next.version] : [];
  const observed = await checkInvariants(db, expectedAfter(set, k, { allowRunning, ...extra }), dialect);
  return { ...observed, k };
}

/**
 * MariaDB after an interruption inside a migration: what an operator does. If every statement's
 * effect is there, `resolve --applied`; otherwise undo what the statements made and
 * `resolve --rolled-back`, so the next `up` runs the migration from its start.
 */
export async function settleDirty(
  db: TestDb,
  set: readonly FixtureMigration[],
  observed: Observed,
  cli: (args: readonly string[]) => Promise<CliResult>,
): Promise<"applied" | "rolled-back" | null> {
  const dirty = observed.dirty;
  if (dirty === null) return null;
  const migration = set.find((m) => m.version === dirty.version);
  if (migration === undefined) throw new Error(`dirty row ${dirty.version} is not in the fixture set`);
  const complete = observed.dirtyEffects === migration.effects.length;
  if (!complete) {
    if (!migration.tables.includes(migration.counter)) {
      await db.query(`delete from ${migration.counter} where version = ?`, [migration.version]).catch(() => undefined);
    }
    for (const table of migration.tables) await db.query(`drop table if exists ${table}`);
  }
  const outcome = complete ? "applied" : "rolled-back";
  const result = await cli(["resolve", dirty.version, `--${outcome}`]);
  if (result.code !== 0) throw new Error(`stratum resolve ${dirty.version} --${outcome} exited ${result.code}:\n${result.output}`);
  return outcome;
}

/** What a test needs to register its cleanup (vitest's test context). */
export interface TestContextLike {
  onTestFinished(fn: () => unknown): void;
}

/** Registers a test (concurrent with the suite's others) named after its target. */
export type TargetTest = (name: string, fn: (ctx: TestContextLike) => Promise<void>, timeoutMs?: number) => void;

/**
 * One concurrent suite for all targets: each test gets its own database, project and processes,
 * so tests on different dialects (and of one dialect) overlap, up to vitest's maxConcurrency.
 * An unreachable server fails the run when CI=true, else its tests are skipped with a visible
 * warning (as the contract suite does).
 */
export function describeTargets(title: string, targets: readonly Target[], body: (target: Target, test: TargetTest) => void): void {
  describe.concurrent(title, () => {
    for (const target of targets) {
      if (target.unreachable !== null) {
        if (process.env["CI"] === "true") {
          it(`${target.name}: needs its database server`, () => {
            throw new Error(`${target.unreachable} (CI=true: an unreachable server fails the run)`);
          });
        } else {
          console.warn(`\n[stratum tests] SKIPPING ${title} on ${target.name}: ${target.unreachable}\n`);
          it.skipIf(true)(`${target.name}: server unreachable (see the warning above)`, () => undefined);
        }
        continue;
      }
      body(target, (name, fn, timeoutMs) => it(`${target.name}: ${name}`, (ctx) => fn(ctx), timeoutMs));
    }
  });
}

/** A test's own database and project, cleaned up when the test finishes. */
export interface Fresh {
  readonly db: TestDb;
  readonly project: Project;
  readonly group: CliGroup;
  /** `stratum <args> --url <db>` in the project, to completion. */
  cli(args: readonly string[], options?: { readonly dir?: string; readonly url?: string }): Promise<CliResult>;
  /** `stratum <args> --url <db>` in the background. */
  start(args: readonly string[], options?: { readonly dir?: string; readonly url?: string; readonly pause?: string }): RunningCli;
  /** `stratum <args> --url <db>`, resolved once paused at `pause`. */
  pauseAt(pause: string, args?: readonly string[], options?: { readonly url?: string }): Promise<PausedCli>;
  /** Another project in the test (cleaned up with it). */
  projectOf(set: readonly FixtureMigration[]): Project;
}

export async function fresh(target: Target, set: readonly FixtureMigration[], ctx: TestContextLike): Promise<Fresh> {
  const db = await target.createDatabase();
  const project = projectOf(set);
  const group = cliGroup();
  const projects: Project[] = [project];
  ctx.onTestFinished(async () => {
    await group.stop();
    await db.drop();
    for (const p of projects) p.cleanup();
  });
  const withUrl = (args: readonly string[], url?: string) => [...args, "--url", url ?? db.url];
  return {
    db,
    project,
    group,
    cli: (args, options = {}) => runCli(withUrl(args, options.url), { cwd: options.dir ?? project.dir }),
    start: (args, options = {}) =>
      startCli(withUrl(args, options.url), { cwd: options.dir ?? project.dir, group, ...(options.pause === undefined ? {} : { pause: options.pause }) }),
    pauseAt: (pause, args = ["up"], options = {}) => runUntilPause(withUrl(args, options.url), { cwd: project.dir, group, pause }),
    projectOf: (other) => {
      const created = projectOf(other);
      projects.push(created);
      return created;
    },
  };
}
