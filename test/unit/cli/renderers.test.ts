import { describe, expect, it } from "vitest";
import { createOutput } from "../../../src/cli/io.js";
import { createJsonRenderer } from "../../../src/cli/render/json-renderer.js";
import { createLiveRenderer, progressBar, type Timers } from "../../../src/cli/render/live-renderer.js";
import { createPlainRenderer } from "../../../src/cli/render/plain-renderer.js";
import { createQuietRenderer } from "../../../src/cli/render/quiet-renderer.js";
import { idFromLocation, summaryLine, type RunRenderer } from "../../../src/cli/render/run-text.js";
import type { EventOf, MigratorEvent } from "../../../src/core/events.js";
import { memoryIo, runCli, runReport } from "./cli-harness.js";
import pc from "picocolors";

const plainColors = pc.createColors(false);

const start = (over: Partial<EventOf<"run:start">> = {}): EventOf<"run:start"> => ({
  type: "run:start",
  direction: "up",
  planned: 2,
  dialect: "sqlite",
  database: "sqlite:./stratum.db",
  dryRun: false,
  parallel: 1,
  ...over,
});
const migrationStart = (version: string, name: string, index: number): EventOf<"migration:start"> => ({
  type: "migration:start",
  direction: "up",
  version,
  name,
  file: `${version}_${name}.sql`,
  index,
  total: 2,
  worker: 1,
});
const migrationEnd = (version: string, name: string, durationMs: number): EventOf<"migration:end"> => ({
  type: "migration:end",
  direction: "up",
  version,
  name,
  durationMs,
  worker: 1,
});
const end = (over: Partial<EventOf<"run:end">> = {}): EventOf<"run:end"> => ({
  type: "run:end",
  direction: "up",
  ok: true,
  applied: 2,
  failed: 0,
  remaining: 0,
  durationMs: 1234,
  dryRun: false,
  backup: null,
  interrupted: null,
  ...over,
});
const failure: EventOf<"migration:error"> = {
  type: "migration:error",
  direction: "up",
  version: "004",
  name: "backfill",
  durationMs: 7,
  worker: 1,
  dirty: false,
  error: {
    code: "MIGRATION_FAILED",
    message: 'migration 004_backfill failed at 004_backfill.sql:41 (statement 3 of 5): relation "nosuch" does not exist',
    location: "004_backfill.sql:41",
  },
};

function feed(renderer: RunRenderer, events: readonly MigratorEvent[]): void {
  for (const event of events) renderer.listener(event);
  renderer.close();
}

function plain(options: { verbose?: boolean; clock?: () => number } = {}) {
  const memory = memoryIo();
  const output = createOutput(memory.io, { color: false, verbosity: "normal", json: false });
  const renderer = createPlainRenderer(output, { verbose: options.verbose ?? false, ...(options.clock ? { clock: options.clock } : {}) });
  return { renderer, memory };
}

describe("plain renderer", () => {
  it("one line per migration and a summary", () => {
    const { renderer, memory } = plain();
    feed(renderer, [
      { type: "lock:acquired", waitedMs: 0 },
      start(),
      migrationStart("003", "add_orders", 1),
      { type: "statement", version: "003", index: 1, count: 1, location: "003_add_orders.sql:2", sql: "CREATE TABLE orders (id int)", dryRun: false },
      migrationEnd("003", "add_orders", 12),
      migrationStart("004", "add_index", 2),
      migrationEnd("004", "add_index", 1500),
      end(),
    ]);
    expect(memory.stdout.text()).toBe(
      [
        "applying 2 migrations to sqlite:./stratum.db",
        "applying 003_add_orders ... ok (12 ms)",
        "applying 004_add_index ... ok (1.5 s)",
        "applied 2 migrations in 1.2 s",
        "",
      ].join("\n"),
    );
    expect(memory.stderr.text()).toBe("");
  });

  it("a failure: the status line, the summary, and the failure kept for the command", () => {
    const { renderer, memory } = plain();
    feed(renderer, [start(), migrationStart("004", "backfill", 1), failure, end({ ok: false, applied: 0, failed: 1, remaining: 2 })]);
    expect(memory.stdout.text()).toBe(
      [
        "applying 2 migrations to sqlite:./stratum.db",
        "applying 004_backfill ... failed (7 ms)",
        "failed: 1 migration failed, 0 applied, 2 still pending (1.2 s)",
        "",
      ].join("\n"),
    );
    expect([...renderer.failures.keys()]).toEqual(["004"]);
  });

  it("dry run: the SQL of each migration under its name, with file:line", () => {
    const { renderer, memory } = plain();
    feed(renderer, [
      start({ dryRun: true }),
      { type: "statement", version: "003", index: 1, count: 2, location: "003_add_orders.sql:2", sql: "CREATE TABLE orders (id int)", dryRun: true },
      { type: "statement", version: "003", index: 2, count: 2, location: "003_add_orders.sql:3", sql: "CREATE INDEX o ON orders (id);", dryRun: true },
      { type: "statement", version: "004", index: 1, count: 1, location: "004_x.up.sql:1", sql: "SELECT 1\nFROM t", dryRun: true },
      end({ dryRun: true, applied: 0, remaining: 2 }),
    ]);
    expect(memory.stdout.text()).toBe(
      [
        "dry run: 2 migrations would be applied to sqlite:./stratum.db; nothing will be changed",
        "",
        "-- 003_add_orders",
        "-- 003_add_orders.sql:2 (statement 1 of 2)",
        "CREATE TABLE orders (id int);",
        "-- 003_add_orders.sql:3 (statement 2 of 2)",
        "CREATE INDEX o ON orders (id);",
        "",
        "-- 004_x",
        "-- 004_x.up.sql:1 (statement 1 of 1)",
        "SELECT 1",
        "FROM t;",
        "",
        "dry run: 2 migrations would be applied; nothing was changed",
        "",
      ].join("\n"),
    );
  });

  it("progress: every 10 % with a total, every 5 s without", () => {
    let now = 0;
    const { renderer, memory } = plain({ clock: () => now });
    const progress = (done: number, total: number | null): EventOf<"progress"> => ({
      type: "progress",
      version: "005",
      done,
      total,
      etaMs: total === null ? null : 2000,
    });
    renderer.listener(start({ planned: 1 }));
    renderer.listener(migrationStart("005", "backfill", 1));
    for (const done of [100, 500, 1000, 1500, 2100]) renderer.listener(progress(done, 10_000));
    expect(memory.stdout.text().split("\n").filter((l) => l.startsWith("  "))).toEqual([
      "  005_backfill: 100/10,000 (1%), eta 2.0 s",
      "  005_backfill: 1,000/10,000 (10%), eta 2.0 s",
      "  005_backfill: 2,100/10,000 (21%), eta 2.0 s",
    ]);
    const { renderer: second, memory: secondMemory } = plain({ clock: () => now });
    second.listener(migrationStart("006", "copy", 1));
    for (const [at, done] of [
      [0, 10],
      [1000, 20],
      [5000, 30],
      [6000, 40],
    ] as const) {
      now = at;
      second.listener({ ...progress(done, null), version: "006", message: "copying" });
    }
    expect(secondMemory.stdout.text()).toBe("  006_copy: 10 done — copying\n  006_copy: 30 done — copying\n");
  });

  it("lock waits, logs and a backup", () => {
    const { renderer, memory } = plain();
    feed(renderer, [
      { type: "lock:wait", holder: "pid 4242 on ci-7", waitedMs: 0 },
      { type: "lock:wait", holder: "pid 4242 on ci-7", waitedMs: 3000 },
      { type: "lock:wait", holder: "pid 4242 on ci-7", waitedMs: 10_500 },
      { type: "lock:acquired", waitedMs: 12_000 },
      // the backup is taken, and said, before the first migration (the api emits this log event)
      { type: "log", level: "info", version: null, message: "backup written to /project/backups/stratum-20261121.db" },
      start({ planned: 1 }),
      migrationStart("003", "add_orders", 1),
      { type: "log", level: "info", version: "003", message: "copied 12 rows" },
      { type: "log", level: "warn", version: "003", message: "table is large" },
      migrationEnd("003", "add_orders", 5),
      end({ applied: 1, backup: "/project/backups/stratum-20261121.db" }),
    ]);
    expect(memory.stdout.text()).toBe(
      [
        "waiting for the migration lock held by pid 4242 on ci-7",
        "waiting for the migration lock held by pid 4242 on ci-7 (waited 10.5 s)",
        "lock acquired after 12.0 s",
        "backup written to /project/backups/stratum-20261121.db",
        "applying 1 migration to sqlite:./stratum.db",
        "  003_add_orders: copied 12 rows",
        "applying 003_add_orders ... ok (5 ms)",
        "applied 1 migration in 1.2 s",
        "",
      ].join("\n"),
    );
    expect(memory.stderr.text()).toBe("warning: 003_add_orders: table is large\n");
  });

  it("--verbose adds each migration's start and statements", () => {
    const { renderer, memory } = plain({ verbose: true });
    feed(renderer, [
      start({ planned: 1 }),
      migrationStart("003", "add_orders", 1),
      { type: "statement", version: "003", index: 1, count: 1, location: "003_add_orders.sql:2", sql: "CREATE TABLE orders (id int)", dryRun: false },
      migrationEnd("003", "add_orders", 5),
    ]);
    expect(memory.stdout.text()).toBe(
      [
        "applying 1 migration to sqlite:./stratum.db",
        "applying 003_add_orders (1/2 on worker 1) ...",
        "  003_add_orders: statement 1 of 1 at 003_add_orders.sql:2",
        "applying 003_add_orders ... ok (5 ms)",
        "",
      ].join("\n"),
    );
  });
});

describe("summary line", () => {
  it.each([
    { event: end(), counts: { planned: 2, ended: 2 }, line: "applied 2 migrations in 1.2 s" },
    { event: end({ applied: 1, remaining: 3 }), counts: { planned: 1, ended: 1 }, line: "applied 1 migration in 1.2 s; 3 remaining" },
    { event: end({ applied: 0 }), counts: { planned: 0, ended: 0 }, line: "nothing to apply: the database is up to date" },
    { event: end({ direction: "down", applied: 0 }), counts: { planned: 0, ended: 0 }, line: "nothing to roll back" },
    { event: end({ direction: "down", applied: 3 }), counts: { planned: 3, ended: 3 }, line: "rolled back 3 migrations in 1.2 s" },
    {
      event: end({ dryRun: "rehearse", applied: 0 }),
      counts: { planned: 2, ended: 2 },
      line: "rehearsal ok: 2 migrations applied and undone in 1.2 s; nothing was changed",
    },
    { event: end({ dryRun: true, applied: 0 }), counts: { planned: 0, ended: 0 }, line: "nothing to apply: the database is up to date" },
    {
      event: end({ direction: "down", ok: false, applied: 1, failed: 1, remaining: 2 }),
      counts: { planned: 3, ended: 1 },
      line: "failed: 1 migration failed, 1 rolled back, 2 still applied (1.2 s)",
    },
  ])("$line", ({ event, counts, line }) => {
    expect(summaryLine(event, counts, plainColors)).toBe(line);
  });

  it.each([
    ["003_add_orders.sql:2", "003_add_orders"],
    ["sub/004_x.up.sql:10", "004_x"],
    ["005_backfill.ts:3", "005_backfill"],
    ["weird", null],
  ])("idFromLocation(%j) = %j", (location, id) => {
    expect(idFromLocation(location)).toBe(id);
  });
});

describe("JSON and quiet renderers", () => {
  it("--json: each event is one NDJSON line, the last is run:end", () => {
    const memory = memoryIo();
    const output = createOutput(memory.io, { color: false, verbosity: "normal", json: true });
    const events: MigratorEvent[] = [start(), migrationStart("004", "backfill", 1), failure, end({ ok: false, applied: 0, failed: 1 })];
    feed(createJsonRenderer(output), events);
    const lines = memory.stdout.text().trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(events);
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ type: "run:end", applied: 0, failed: 1 });
  });

  it("--quiet: prints nothing itself, keeps the failures", () => {
    const renderer = createQuietRenderer();
    feed(renderer, [start(), migrationStart("004", "backfill", 1), failure, end({ ok: false })]);
    expect([...renderer.failures.values()]).toEqual([failure]);
  });
});

describe("up and down through run()", () => {
  const events: MigratorEvent[] = [start({ planned: 1 }), migrationStart("004", "backfill", 1), failure, end({ ok: false, applied: 0, failed: 1, remaining: 1 })];
  const failedReport = runReport({
    ok: false,
    migrations: [{ version: "004", name: "backfill", direction: "up", status: "failed", durationMs: 7, error: "boom" }],
  });

  it("exit 1 when a migration failed; the error detail once, on stderr", async () => {
    const result = await runCli(["up"], { events, report: failedReport });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("applying 004_backfill ... failed (7 ms)\n");
    expect(result.stderr).toBe(`error: ${failure.error.message}\n`);
  });

  it("exit 0 when the report is ok", async () => {
    const result = await runCli(["up"], { events: [start({ planned: 0 }), end({ applied: 0 })] });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("nothing to apply: the database is up to date\n");
  });

  it("--json: NDJSON on stdout ending with run:end, exit 1", async () => {
    const result = await runCli(["up", "--json"], { events, report: failedReport });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as MigratorEvent);
    expect(lines).toEqual(events);
    expect(lines.at(-1)?.type).toBe("run:end");
    expect(result.stderr).toBe("");
  });

  it("--quiet: only the error", async () => {
    const result = await runCli(["down", "--quiet"], { events, report: failedReport });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`error: ${failure.error.message}\n`);
  });

  it("a failure only in the report (no event) is still printed", async () => {
    const result = await runCli(["up"], { events: [], report: failedReport });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: migration 004_backfill failed: boom\n");
  });
});

/** Applies the cursor movements the live renderer uses; returns the visible screen without colours. */
function screen(text: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  // eslint-disable-next-line no-control-regex
  const tokens = text.match(/\u001b\[[0-9;]*[A-Za-z]|\n|\r|[^\u001b\n\r]+/g) ?? [];
  for (const token of tokens) {
    if (token === "\n") {
      row += 1;
      if (lines[row] === undefined) lines[row] = "";
    } else if (token === "\r") {
      // column tracking is not needed: the renderer only writes whole lines
    } else if (token.startsWith("\u001b[")) {
      const code = token.at(-1);
      const n = Number(token.slice(2, -1) || "1");
      if (code === "A") row = Math.max(0, row - n);
      if (code === "J") lines.length = row + 1;
      if (code === "J") lines[row] = "";
    } else {
      lines[row] = (lines[row] ?? "") + token;
    }
  }
  // the spinner frame depends on the clock; "*" stands for any frame
  return lines.map((line) => line.replace(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /, "* "));
}

describe("live renderer", () => {
  function live() {
    let now = 0;
    const ticks: (() => void)[] = [];
    const timers: Timers = {
      setInterval: (callback) => {
        ticks.push(callback);
        return ticks.length;
      },
      clearInterval: () => undefined,
    };
    const memory = memoryIo({ stdoutTTY: true });
    const output = createOutput(memory.io, { color: false, verbosity: "normal", json: false });
    const renderer = createLiveRenderer(output, { verbose: false, clock: () => now, timers });
    return {
      renderer,
      memory,
      advance(ms: number) {
        now += ms;
        for (const tick of ticks) tick();
      },
    };
  }

  it("updates running migrations in place and leaves the final lines", () => {
    const { renderer, memory, advance } = live();
    renderer.listener(start());
    renderer.listener(migrationStart("003", "add_orders", 1));
    advance(500);
    expect(screen(memory.stdout.text())).toEqual([
      "applying 2 migrations to sqlite:./stratum.db",
      "* applying 003_add_orders  500 ms",
      "",
    ]);
    renderer.listener({ type: "statement", version: "003", index: 2, count: 5, location: "003_add_orders.sql:9", sql: "x", dryRun: false });
    advance(1000);
    expect(screen(memory.stdout.text())[1]).toBe("* applying 003_add_orders  1.5 s  statement 2/5 at 003_add_orders.sql:9");
    renderer.listener(migrationEnd("003", "add_orders", 1500));
    renderer.listener(migrationStart("004", "backfill", 2));
    renderer.listener({ type: "progress", version: "004", done: 250, total: 1000, etaMs: 3000, message: "users" });
    advance(80);
    expect(screen(memory.stdout.text())).toEqual([
      "applying 2 migrations to sqlite:./stratum.db",
      "✔ applying 003_add_orders ... ok (1.5 s)",
      "* applying 004_backfill  80 ms",
      "  [█████░░░░░░░░░░░░░░░] 250/1,000 (25%), eta 3.0 s — users",
      "",
    ]);
    renderer.listener(failure);
    renderer.listener(end({ ok: false, applied: 1, failed: 1, remaining: 1 }));
    renderer.close();
    expect(screen(memory.stdout.text())).toEqual([
      "applying 2 migrations to sqlite:./stratum.db",
      "✔ applying 003_add_orders ... ok (1.5 s)",
      "✖ applying 004_backfill ... failed (7 ms)",
      "failed: 1 migration failed, 1 applied, 1 still pending (1.2 s)",
      "",
    ]);
    expect([...renderer.failures.keys()]).toEqual(["004"]);
  });

  it("shows a lock wait while it lasts", () => {
    const { renderer, memory, advance } = live();
    renderer.listener({ type: "lock:wait", holder: "pid 7", waitedMs: 0 });
    advance(2000);
    expect(screen(memory.stdout.text())).toEqual(["* waiting for the migration lock held by pid 7 (waited 2.0 s)", ""]);
    renderer.listener({ type: "lock:acquired", waitedMs: 2100 });
    renderer.close();
    expect(screen(memory.stdout.text())).toEqual(["lock acquired after 2.1 s", ""]);
  });

  it("progress bars", () => {
    expect(progressBar(0, 10, 10)).toBe("[░░░░░░░░░░]");
    expect(progressBar(5, 10, 10)).toBe("[█████░░░░░]");
    expect(progressBar(12, 10, 10)).toBe("[██████████]");
    expect(progressBar(3, null)).toBeNull();
  });

  it("is chosen when stdout is a terminal, with colours unless NO_COLOR", async () => {
    const events: MigratorEvent[] = [start({ planned: 1 }), migrationStart("003", "a", 1), migrationEnd("003", "a", 3), end({ applied: 1 })];
    const coloured = await runCli(["up"], { events }, { stdoutTTY: true });
    expect(coloured.stdout).toContain("\u001b[32m✔\u001b[39m");
    const noColor = await runCli(["up"], { events }, { stdoutTTY: true, env: { NO_COLOR: "1" } });
    expect(noColor.stdout).not.toContain("\u001b[32m");
    expect(noColor.stdout).toContain("✔ applying 003_a ... ok (3 ms)");
    const flag = await runCli(["up", "--no-color"], { events }, { stdoutTTY: true });
    expect(flag.stdout).not.toContain("\u001b[32m");
  });
});
