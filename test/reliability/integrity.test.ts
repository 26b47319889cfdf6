import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type ExpectStatic } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";
import { mysqlTarget, postgresTarget, sqliteTarget, type Target, type TargetName, type TestDb } from "../support/targets.js";

/**
 * Integrity (issue item 6): applied files that were edited, deleted, renamed or added out of order;
 * checksum normalisation (a BOM or CRLF is not an edit, `'a b'` → `'ab'` is); a state table
 * tampered with by hand, case by case; and `repair`, which is explicit, changes only what it says
 * and writes a `repair` row to the log. Every refusal changes nothing: the user tables, the state
 * rows and the log are compared before and after.
 */

const STATUS_STATES = ["pending", "running", "applied", "failed", "rolled_back", "changed", "renamed", "missing"];

const A_SQL = [
  "-- migrate:up",
  "CREATE TABLE a (",
  "  id INTEGER,",
  "  s VARCHAR(20) DEFAULT 'a b'",
  ");",
  "-- migrate:down",
  "DROP TABLE a;",
  "",
].join("\n");
const B_UP = "CREATE TABLE b (id INTEGER);\n";
const B_DOWN = "DROP TABLE b;\n";
const C_MJS = [
  "export async function up(ctx) { await ctx.sql('CREATE TABLE c (id INTEGER)'); }",
  "export async function down(ctx) { await ctx.sql('DROP TABLE c'); }",
  "",
].join("\n");
const FILES = {
  "010_a.sql": A_SQL,
  "020_b.up.sql": B_UP,
  "020_b.down.sql": B_DOWN,
  "030_c.mjs": C_MJS,
};

/** The reference checksum, written from the spec: BOM and line endings normalised, files joined by NUL. */
function referenceChecksum(texts: readonly string[]): string {
  const normalise = (text: string) => (text.startsWith("\uFEFF") ? text.slice(1) : text).replace(/\r\n?/g, "\n");
  return createHash("sha256").update(texts.map(normalise).join("\0"), "utf8").digest("hex");
}

interface StateRow {
  readonly version: string;
  readonly name: string;
  readonly checksum: string;
  readonly state: string;
}

interface StatusJson {
  readonly migrations: readonly { version: string; name: string; state: string; checksum: string | null }[];
  readonly pending: number;
  readonly dirty: boolean;
}

interface World {
  readonly target: TargetName;
  readonly db: TestDb;
  readonly project: Project;
  cli(args: readonly string[]): Promise<CliResult>;
  /** Every column of every state row, as JSON strings, in version order. */
  stateRows(): Promise<string[]>;
  logRows(): Promise<string[]>;
  /** User tables (history tables excluded). */
  userTables(): Promise<string[]>;
  /** The checksums recorded when the world was built. */
  readonly recorded: Readonly<Record<string, string>>;
}

const migrationFile = (world: World, name: string) => join(world.project.migrations, name);
const edit = (world: World, name: string, change: (text: string) => string) => {
  const path = migrationFile(world, name);
  writeFileSync(path, change(readFileSync(path, "utf8")));
};

async function statusOf(expect: ExpectStatic, world: World): Promise<StatusJson> {
  const result = await world.cli(["status", "--json"]);
  expect(result.code, result.output).toBe(0);
  const parsed = JSON.parse(result.stdout) as StatusJson;
  for (const m of parsed.migrations) expect(STATUS_STATES, `status --json state of ${m.version}`).toContain(m.state);
  return parsed;
}

async function statesOf(expect: ExpectStatic, world: World): Promise<Record<string, string>> {
  const status = await statusOf(expect, world);
  return Object.fromEntries(status.migrations.map((m) => [m.version, m.state]));
}

type Mention = string | RegExp | ((world: World) => string | RegExp);

interface Expectation {
  readonly code: number;
  readonly mentions: readonly Mention[];
}

interface IntegrityCase {
  readonly name: string;
  readonly mutate: (world: World) => void | Promise<void>;
  /** Expected `status --json` state per version (only the versions listed are checked). */
  readonly status: Readonly<Record<string, string>>;
  readonly validate: Expectation;
  readonly up: Expectation;
  /** Also run on PostgreSQL and MariaDB. */
  readonly servers?: boolean;
  /** After `up`, the state rows may differ (a case where `up` legitimately applies something). */
  readonly upChanges?: boolean;
}

const STATE_COLUMNS = "version, name, checksum, state, applied_at, duration_ms, batch, applied_by, statements_done, depends_on, error";

const fileCases: readonly IntegrityCase[] = [
  {
    name: "'a b' -> 'ab' inside a string literal is an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace("'a b'", "'ab'")),
    status: { "010": "changed", "020": "applied", "030": "applied" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "010_a.sql", (w) => w.recorded["010"] ?? "?", (w) => referenceChecksum([readFileSync(migrationFile(w, "010_a.sql"), "utf8")])] },
    up: { code: 3, mentions: ["010_a.sql", (w) => w.recorded["010"] ?? "?", (w) => referenceChecksum([readFileSync(migrationFile(w, "010_a.sql"), "utf8")]), "stratum repair"] },
    servers: true,
  },
  {
    name: "one byte changed (a column type) is an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace("VARCHAR(20)", "VARCHAR(21)")),
    status: { "010": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "010_a.sql"] },
    up: { code: 3, mentions: ["010_a.sql", "changed after it was applied"] },
  },
  {
    name: "two lines joined into one is an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace("  id INTEGER,\n  s VARCHAR", "  id INTEGER,  s VARCHAR")),
    status: { "010": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "010_a.sql"] },
    up: { code: 3, mentions: ["010_a.sql"] },
  },
  {
    name: "a trailing space at the end of a line is an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace("DROP TABLE a;", "DROP TABLE a; ")),
    status: { "010": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "010_a.sql"] },
    up: { code: 3, mentions: ["010_a.sql"] },
  },
  {
    name: "a changed comment is an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace("-- migrate:down", "-- migrate:down  (reverts a)")),
    status: { "010": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "010_a.sql"] },
    up: { code: 3, mentions: ["010_a.sql"] },
  },
  {
    name: "a UTF-8 byte-order mark added is not an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => `\uFEFF${t}`),
    status: { "010": "applied", "020": "applied", "030": "applied" },
    validate: { code: 0, mentions: [] },
    up: { code: 0, mentions: [] },
  },
  {
    name: "CRLF line endings are not an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace(/\n/g, "\r\n")),
    status: { "010": "applied" },
    validate: { code: 0, mentions: [] },
    up: { code: 0, mentions: [] },
  },
  {
    name: "a BOM and CRLF together, in both files of a pair, are not an edit",
    mutate: (w) => {
      edit(w, "020_b.up.sql", (t) => `\uFEFF${t.replace(/\n/g, "\r\n")}`);
      edit(w, "020_b.down.sql", (t) => `\uFEFF${t.replace(/\n/g, "\r\n")}`);
    },
    status: { "020": "applied" },
    validate: { code: 0, mentions: [] },
    up: { code: 0, mentions: [] },
  },
  {
    name: "old Mac CR-only line endings are not an edit",
    mutate: (w) => edit(w, "010_a.sql", (t) => t.replace(/\n/g, "\r")),
    status: { "010": "applied" },
    validate: { code: 0, mentions: [] },
    up: { code: 0, mentions: [] },
  },
  {
    name: "CRLF line endings in a code migration are not an edit",
    mutate: (w) => edit(w, "030_c.mjs", (t) => t.replace(/\n/g, "\r\n")),
    status: { "030": "applied" },
    validate: { code: 0, mentions: [] },
    up: { code: 0, mentions: [] },
  },
  {
    name: "the .down.sql of an applied pair edited",
    mutate: (w) => edit(w, "020_b.down.sql", (t) => t.replace("DROP TABLE b;", "DROP TABLE IF EXISTS b;")),
    status: { "020": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "020_b"] },
    up: { code: 3, mentions: ["020_b"] },
  },
  {
    name: "the .down.sql of an applied pair deleted",
    mutate: (w) => rmSync(migrationFile(w, "020_b.down.sql")),
    status: { "020": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "020_b"] },
    up: { code: 3, mentions: ["020_b"] },
  },
  {
    name: "an applied code migration edited",
    mutate: (w) => edit(w, "030_c.mjs", (t) => t.replace("CREATE TABLE c (id INTEGER)", "CREATE TABLE c (id BIGINT)")),
    status: { "030": "changed" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "030_c.mjs"] },
    up: { code: 3, mentions: ["030_c.mjs"] },
  },
  {
    name: "an applied SQL file deleted",
    mutate: (w) => rmSync(migrationFile(w, "010_a.sql")),
    status: { "010": "missing", "020": "applied" },
    validate: { code: 3, mentions: ["MISSING_FILE", "010_a is applied but its file is no longer in the migrations directory", "--remove-missing"] },
    up: { code: 3, mentions: ["010_a", "no longer in the migrations directory"] },
    servers: true,
  },
  {
    name: "an applied code migration deleted",
    mutate: (w) => rmSync(migrationFile(w, "030_c.mjs")),
    status: { "030": "missing" },
    validate: { code: 3, mentions: ["MISSING_FILE", "030_c"] },
    up: { code: 3, mentions: ["030_c"] },
  },
  {
    // the version is the identity, so the file is not taken for a new migration and run twice;
    // but the history no longer names the file, so every run stops until `repair` records the name
    name: "an applied file renamed with the same version and a new slug",
    mutate: (w) => renameSync(migrationFile(w, "010_a.sql"), migrationFile(w, "010_alpha.sql")),
    status: { "010": "renamed", "020": "applied", "030": "applied" },
    validate: { code: 3, mentions: ["RENAMED_MIGRATION", "010_alpha.sql", "010_a", "stratum repair"] },
    up: { code: 3, mentions: ["010_alpha.sql", "010_a", "stratum repair"] },
  },
  {
    name: "an applied file renamed to a new version",
    mutate: (w) => renameSync(migrationFile(w, "030_c.mjs"), migrationFile(w, "040_c.mjs")),
    status: { "030": "missing", "040": "pending" },
    validate: { code: 3, mentions: ["MISSING_FILE", "030_c"] },
    up: { code: 3, mentions: ["030_c"] },
  },
  {
    name: "a new file older than the newest applied one is out of order",
    mutate: (w) => writeFileSync(migrationFile(w, "015_mid.sql"), "-- migrate:up\nCREATE TABLE mid (id INTEGER);\n"),
    status: { "015": "pending", "030": "applied" },
    validate: { code: 3, mentions: ["OUT_OF_ORDER", "015_mid", "030_c", "--allow-out-of-order"] },
    up: { code: 3, mentions: ["015_mid", "--allow-out-of-order"] },
  },
];

const tamperCases: readonly IntegrityCase[] = [
  {
    name: "tampered: a recorded checksum altered",
    mutate: (w) => w.db.query("update stratum_migrations set checksum = ? where version = ?", ["deadbeef", "020"]).then(() => undefined),
    status: { "010": "applied", "020": "changed", "030": "applied" },
    validate: { code: 3, mentions: ["CHECKSUM_MISMATCH", "020_b", "recorded checksum deadbeef", (w) => w.recorded["020"] ?? "?"] },
    up: { code: 3, mentions: ["020_b", "deadbeef"] },
    servers: true,
  },
  {
    name: "tampered: the row of a middle migration deleted",
    mutate: (w) => w.db.query("delete from stratum_migrations where version = ?", ["020"]).then(() => undefined),
    status: { "010": "applied", "020": "pending", "030": "applied" },
    validate: { code: 3, mentions: ["OUT_OF_ORDER", "020_b", "030_c"] },
    up: { code: 3, mentions: ["020_b"] },
    servers: true,
  },
  {
    name: "tampered: a row for a version with no file inserted",
    mutate: (w) =>
      w.db
        .query("insert into stratum_migrations (version, name, checksum, state, batch, statements_done) values (?, ?, ?, ?, ?, ?)", ["099", "ghost", "0".repeat(64), "applied", 1, 0])
        .then(() => undefined),
    status: { "010": "applied", "099": "missing" },
    validate: { code: 3, mentions: ["MISSING_FILE", "099_ghost"] },
    up: { code: 3, mentions: ["099_ghost"] },
    servers: true,
  },
  {
    name: "tampered: a state set to running",
    mutate: (w) => w.db.query("update stratum_migrations set state = ? where version = ?", ["running", "020"]).then(() => undefined),
    status: { "020": "running" },
    validate: { code: 3, mentions: ["DIRTY", "020_b", "running", "stratum resolve 020"] },
    up: { code: 3, mentions: ["020_b", "running", "stratum resolve"] },
    servers: true,
  },
  {
    name: "tampered: a state set to failed with an error",
    mutate: (w) => w.db.query("update stratum_migrations set state = ?, error = ? where version = ?", ["failed", "boom", "020"]).then(() => undefined),
    status: { "020": "failed" },
    validate: { code: 3, mentions: ["DIRTY", "020_b", "failed", "boom"] },
    up: { code: 3, mentions: ["020_b", "failed"] },
  },
  {
    name: "tampered: a middle state set to rolled_back",
    mutate: (w) => w.db.query("update stratum_migrations set state = ? where version = ?", ["rolled_back", "020"]).then(() => undefined),
    status: { "020": "rolled_back", "030": "applied" },
    validate: { code: 3, mentions: ["OUT_OF_ORDER", "020_b"] },
    up: { code: 3, mentions: ["020_b"] },
  },
  {
    name: "tampered: a duplicate row for the same version ('20' beside '020')",
    mutate: (w) =>
      w.db
        .query(`insert into stratum_migrations (${STATE_COLUMNS}) select '20', name, checksum, state, applied_at, duration_ms, batch, applied_by, statements_done, depends_on, error from stratum_migrations where version = '020'`)
        .then(() => undefined),
    status: { "010": "applied", "030": "applied" },
    validate: { code: 3, mentions: ["020", /duplicate|more than one|twice/i] },
    up: { code: 3, mentions: ["020", /duplicate|more than one|twice/i] },
    servers: true,
  },
  {
    name: "tampered: a state value outside the contract ('bogus')",
    mutate: (w) => w.db.query("update stratum_migrations set state = ? where version = ?", ["bogus", "020"]).then(() => undefined),
    status: { "010": "applied" },
    validate: { code: 3, mentions: ["020", "bogus"] },
    up: { code: 3, mentions: ["020", "bogus"] },
    servers: true,
  },
  {
    name: "tampered: a version that is not digits ('abc')",
    mutate: (w) => w.db.query("update stratum_migrations set version = ? where version = ?", ["abc", "020"]).then(() => undefined),
    status: { "010": "applied" },
    validate: { code: 3, mentions: ["abc", "stratum_migrations"] },
    up: { code: 3, mentions: ["abc", "stratum_migrations"] },
    servers: true,
  },
  {
    name: "tampered: the checksum column dropped from the state table",
    mutate: (w) => w.db.query("alter table stratum_migrations drop column checksum").then(() => undefined),
    status: {},
    validate: { code: 3, mentions: ["stratum_migrations", "checksum"] },
    up: { code: 3, mentions: ["stratum_migrations", "checksum"] },
  },
];

// --------------------------------------------------------------------------------------------------

/** SQLite: one database migrated by the CLI, copied for every test (the files are the same). */
const templates = new Map<string, Promise<string>>();

function sqliteTemplate(target: Target): Promise<string> {
  let template = templates.get(target.name);
  if (template === undefined) {
    template = (async () => {
      const db = await target.createDatabase();
      const project = makeProject(FILES);
      const up = await runCli(["up", "--url", db.url], { cwd: project.dir });
      project.cleanup();
      if (up.code !== 0) throw new Error(`could not build the template database: ${up.output}`);
      return db.name;
    })();
    templates.set(target.name, template);
  }
  return template;
}

async function buildWorld(expect: ExpectStatic, target: Target): Promise<World> {
  const db = await target.createDatabase();
  const project = makeProject(FILES);
  const cli = (args: readonly string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
  if (target.name === "sqlite") {
    copyFileSync(await sqliteTemplate(target), db.name);
  } else {
    const up = await cli(["up"]);
    expect(up.code, up.output).toBe(0);
  }
  const rows = await db.query<StateRow>("select version, checksum from stratum_migrations");
  const recorded = Object.fromEntries(rows.map((r) => [String(r.version), String(r.checksum)]));
  const logTable = "stratum_log";
  return {
    target: target.name,
    db,
    project,
    cli,
    recorded,
    async stateRows() {
      try {
        return (await db.query<Record<string, unknown>>("select * from stratum_migrations order by version")).map((r) => JSON.stringify(r));
      } catch (error) {
        return [`unreadable: ${(error as Error).message}`];
      }
    },
    async logRows() {
      return (await db.query<Record<string, unknown>>(`select * from ${logTable} order by id`)).map((r) => JSON.stringify(r));
    },
    async userTables() {
      return (await db.tables()).filter((t) => t !== "stratum_migrations" && t !== "stratum_log" && t !== "stratum_migrations_schema" && t !== "sqlite_sequence");
    },
  };
}

async function dropWorld(world: World): Promise<void> {
  await world.db.drop();
  world.project.cleanup();
}

function checkExpectation(expect: ExpectStatic, world: World, what: string, result: CliResult, expected: Expectation): void {
  const context = `${what} on ${world.target}\n${result.output.slice(0, 4000)}`;
  expect(result.code, context).toBe(expected.code);
  expect(result.output, context).not.toMatch(/internal error/i);
  expect(result.stderr, context).not.toMatch(/\n\s+at .*:\d+:\d+/);
  for (const mention of expected.mentions) {
    const value = typeof mention === "function" ? mention(world) : mention;
    if (typeof value === "string") expect(result.output, context).toContain(value);
    else expect(result.output, context).toMatch(value);
  }
}

function describeIntegrity(target: Target): void {
  if (target.unreachable !== null) {
    if (process.env["CI"] === "true") {
      describe(`integrity on ${target.name}`, () => {
        it("needs its database server", () => {
          throw new Error(`${target.unreachable} (CI=true: an unreachable server fails the run)`);
        });
      });
    } else {
      console.warn(`\n[stratum tests] SKIPPING integrity on ${target.name}: ${target.unreachable}\n`);
      describe.skipIf(true)(`integrity on ${target.name} (server unreachable)`, () => {
        it("runs when the server is reachable", () => undefined);
      });
    }
    return;
  }
  const server = target.name !== "sqlite";
  const pick = (list: readonly IntegrityCase[]) => list.filter((c) => !server || c.servers === true);

  describe(`integrity on ${target.name}`, () => {
    it.concurrent("golden checksums: status --json reports SHA-256 of the normalised text (a pair's files joined by NUL)", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        const status = await statusOf(expect, world);
        const byVersion = Object.fromEntries(status.migrations.map((m) => [m.version, m.checksum]));
        expect(byVersion).toEqual({
          "010": referenceChecksum([A_SQL]),
          "020": referenceChecksum([B_UP, B_DOWN]),
          "030": referenceChecksum([C_MJS]),
        });
        expect(world.recorded).toEqual(byVersion);
        // a fixed vector, so a change to the algorithm cannot hide behind the reference implementation
        expect(referenceChecksum(["\uFEFFSELECT 'a b';\r\n"])).toBe(createHash("sha256").update("SELECT 'a b';\n").digest("hex"));
        expect(referenceChecksum(["SELECT 'a b';\n"])).not.toBe(referenceChecksum(["SELECT 'ab';\n"]));
      } finally {
        await dropWorld(world);
      }
    });

    it.concurrent.for([...pick(fileCases), ...pick(tamperCases)])("$name", async (c, { expect }) => {
      const world = await buildWorld(expect, target);
      try {
        await c.mutate(world);
        const state = await world.stateRows();
        const log = await world.logRows();
        const tables = await world.userTables();

        // status only reports (exit 0) and flags the entry
        const states = await statesOf(expect, world);
        for (const [version, expected] of Object.entries(c.status)) expect(states[version], `${c.name}: state of ${version}`).toBe(expected);

        const validate = await world.cli(["validate"]);
        checkExpectation(expect, world, `${c.name}: validate`, validate, c.validate);
        const up = await world.cli(["up"]);
        checkExpectation(expect, world, `${c.name}: up`, up, c.up);
        if (c.up.code === 0) expect(up.stdout).toContain("nothing to apply");

        // nothing ran, nothing was repaired behind the user's back, nothing was logged
        expect(await world.userTables(), c.name).toEqual(tables);
        expect(await world.stateRows(), c.name).toEqual(state);
        expect(await world.logRows(), c.name).toEqual(log);
      } finally {
        await dropWorld(world);
      }
    });

    if (!server) it.concurrent("an out-of-order file applies with --allow-out-of-order, and only then", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        writeFileSync(migrationFile(world, "015_mid.sql"), "-- migrate:up\nCREATE TABLE mid (id INTEGER);\n-- migrate:down\nDROP TABLE mid;\n");
        const plan = await world.cli(["plan"]);
        expect(plan.code, plan.output).toBe(3);
        const up = await world.cli(["up", "--allow-out-of-order"]);
        expect(up.code, up.output).toBe(0);
        expect(await world.userTables()).toContain("mid");
        const states = await statesOf(expect, world);
        expect(states).toMatchObject({ "010": "applied", "015": "applied", "020": "applied", "030": "applied" });
        const validate = await world.cli(["validate"]);
        expect(validate.code, validate.output).toBe(0);
      } finally {
        await dropWorld(world);
      }
    });

    // needs transactional DDL (MariaDB leaves the failed attempt dirty); SQLite stands for PostgreSQL here
    if (target.name === "sqlite") it.concurrent("a deleted newest row makes up re-run the migration, which fails loudly and leaves the history as it was", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        await world.db.query("delete from stratum_migrations where version = ?", ["030"]);
        const state = await world.stateRows();
        const states = await statesOf(expect, world);
        expect(states["030"]).toBe("pending");
        const up = await world.cli(["up"]);
        expect(up.code, up.output).toBe(1);
        expect(up.stderr).toContain("030_c");
        expect(up.stderr).toMatch(/already exists/i);
        expect(await world.stateRows()).toEqual(state);
      } finally {
        await dropWorld(world);
      }
    });

    if (!server) it.concurrent("a running row is settled by resolve, which is logged", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        await world.db.query("update stratum_migrations set state = ? where version = ?", ["running", "030"]);
        const resolve = await world.cli(["resolve", "030", "--applied", "--yes"]);
        expect(resolve.code, resolve.output).toBe(0);
        const states = await statesOf(expect, world);
        expect(states["030"]).toBe("applied");
        const log = await world.db.query<{ operation: string; version: string }>("select operation, version from stratum_log order by id");
        expect(log.at(-1)).toMatchObject({ operation: "resolve", version: "030" });
      } finally {
        await dropWorld(world);
      }
    });

    it.concurrent("repair re-records only the changed checksum and writes one repair row to the log", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        edit(world, "010_a.sql", (t) => t.replace("'a b'", "'ab'"));
        const current = referenceChecksum([readFileSync(migrationFile(world, "010_a.sql"), "utf8")]);
        const before = await world.db.query<Record<string, unknown>>("select * from stratum_migrations order by version");
        const logBefore = await world.logRows();
        const tables = await world.userTables();

        const repair = await world.cli(["repair", "--yes"]);
        expect(repair.code, repair.output).toBe(0);
        expect(repair.stdout).toContain("010");
        expect(repair.stdout).toContain((world.recorded["010"] ?? "?").slice(0, 12));
        expect(repair.stdout).toContain(current.slice(0, 12));

        const after = await world.db.query<Record<string, unknown>>("select * from stratum_migrations order by version");
        expect(after.length).toBe(before.length);
        for (const [i, row] of after.entries()) {
          const old = before[i] ?? {};
          if (String(row["version"]) === "010") {
            expect(row["checksum"]).toBe(current);
            expect({ ...row, checksum: null }).toEqual({ ...old, checksum: null });
          } else {
            expect(row).toEqual(old);
          }
        }
        const logAfter = await world.logRows();
        expect(logAfter.slice(0, logBefore.length)).toEqual(logBefore);
        expect(logAfter.length).toBe(logBefore.length + 1);
        const entry = JSON.parse(logAfter.at(-1) ?? "{}") as Record<string, unknown>;
        expect(entry).toMatchObject({ operation: "repair", version: "010", outcome: "success", checksum: current });
        expect(String(entry["details"])).toContain(world.recorded["010"] ?? "?");
        expect(await world.userTables()).toEqual(tables);

        const validate = await world.cli(["validate"]);
        expect(validate.code, validate.output).toBe(0);
        const history = await world.cli(["history", "--json"]);
        expect(history.code, history.output).toBe(0);
        expect((JSON.parse(history.stdout) as { operation: string }[]).map((e) => e.operation)).toContain("repair");
        // nothing left to repair: a second run changes nothing and logs nothing
        const again = await world.cli(["repair", "--yes", "--json"]);
        expect(again.code, again.output).toBe(0);
        expect(JSON.parse(again.stdout)).toEqual({ updated: [], removed: [], missing: [], renamed: [] });
        expect((await world.logRows()).length).toBe(logAfter.length);
      } finally {
        await dropWorld(world);
      }
    });

    it.concurrent("repair leaves a missing file's row alone unless --remove-missing, which removes only that row and logs it", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        rmSync(migrationFile(world, "030_c.mjs"));
        const state = await world.stateRows();
        const logBefore = await world.logRows();
        const plain = await world.cli(["repair", "--yes", "--json"]);
        expect(plain.code, plain.output).toBe(0);
        expect(JSON.parse(plain.stdout)).toEqual({ updated: [], removed: [], missing: ["030"], renamed: [] });
        expect(await world.stateRows()).toEqual(state);

        const remove = await world.cli(["repair", "--remove-missing", "--yes", "--json"]);
        expect(remove.code, remove.output).toBe(0);
        expect(JSON.parse(remove.stdout)).toEqual({ updated: [], removed: ["030"], missing: [], renamed: [] });
        const versions = (await world.db.query<{ version: string }>("select version from stratum_migrations order by version")).map((r) => String(r.version));
        expect(versions).toEqual(["010", "020"]);
        const logAfter = await world.logRows();
        expect(logAfter.slice(0, logBefore.length)).toEqual(logBefore);
        expect(logAfter.length).toBe(logBefore.length + 1);
        expect(JSON.parse(logAfter.at(-1) ?? "{}")).toMatchObject({ operation: "repair", version: "030", outcome: "success" });
        // the table c made by 030 is still there: repair forgets, it never rolls back
        expect(await world.userTables()).toContain("c");
      } finally {
        await dropWorld(world);
      }
    });

    if (!server) it.concurrent("repair does not touch dirty or rolled-back rows", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        await world.db.query("update stratum_migrations set state = ? where version = ?", ["failed", "030"]);
        edit(world, "030_c.mjs", (t) => `// edited\n${t}`);
        const state = await world.stateRows();
        const repair = await world.cli(["repair", "--yes", "--json"]);
        expect(repair.code, repair.output).toBe(0);
        expect(JSON.parse(repair.stdout)).toEqual({ updated: [], removed: [], missing: [], renamed: [] });
        expect(await world.stateRows()).toEqual(state);
      } finally {
        await dropWorld(world);
      }
    });

    if (!server) it.concurrent("repair --dry-run lists the change and changes nothing", async ({ expect }) => {
      const world = await buildWorld(expect, target);
      try {
        edit(world, "010_a.sql", (t) => t.replace("'a b'", "'ab'"));
        const state = await world.stateRows();
        const log = await world.logRows();
        const dbFile = target.name === "sqlite" ? world.db.name : null;
        const hash = dbFile !== null && existsSync(dbFile) ? createHash("sha256").update(readFileSync(dbFile)).digest("hex") : null;
        const dry = await world.cli(["repair", "--dry-run", "--yes"]);
        expect(dry.code, dry.output).toBe(0);
        expect(dry.stdout).toContain("010");
        expect(await world.stateRows()).toEqual(state);
        expect(await world.logRows()).toEqual(log);
        if (dbFile !== null) expect(createHash("sha256").update(readFileSync(dbFile)).digest("hex")).toBe(hash);
      } finally {
        await dropWorld(world);
      }
    });
  });
}

describeIntegrity(sqliteTarget());
describeIntegrity(await postgresTarget());
describeIntegrity(await mysqlTarget());
