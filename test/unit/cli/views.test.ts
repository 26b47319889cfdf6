import pc from "picocolors";
import { describe, expect, it } from "vitest";
import type { Stats, ValidateReport } from "../../../src/api-types.js";
import { formatCount, formatDuration, formatTimestamp, migrationId, truncate } from "../../../src/cli/render/format.js";
import { historyLines } from "../../../src/cli/render/history-view.js";
import { planLines } from "../../../src/cli/render/plan-view.js";
import { statsLines } from "../../../src/cli/render/stats-view.js";
import { statusJson, statusLines } from "../../../src/cli/render/status-view.js";
import { renderTable } from "../../../src/cli/render/table.js";
import { validateExitCode, validateLines } from "../../../src/cli/render/validate-view.js";
import type { LogEntry, Problem, StatusReport } from "../../../src/core/types.js";
import { runCli } from "./cli-harness.js";

const colors = pc.createColors(false);

const checksumProblem: Problem = {
  code: "CHECKSUM_MISMATCH",
  message: "001_create_users was changed after it was applied.",
  files: ["001_create_users.sql"],
  fix: "Restore the file or run `stratum repair`.",
  severity: "error",
};
const conflictWarning: Problem = {
  code: "CONFLICT",
  message: "002_a and 003_b both touch users with no dependency between them.",
  files: ["002_a.sql", "003_b.sql"],
  fix: "Declare a dependency.",
  severity: "warning",
};

const status: StatusReport = {
  migrations: [
    { version: "001", name: "create_users", state: "changed", checksum: "aaa", appliedAt: "2026-11-21T09:30:00.000Z", durationMs: 12, file: "001_create_users.sql" },
    { version: "002", name: "add_orders", state: "applied", checksum: "bbb", appliedAt: "2026-11-21T09:30:01.500Z", durationMs: 1500, file: "002_add_orders.sql" },
    { version: "003", name: "backfill", state: "failed", checksum: "ccc", appliedAt: null, durationMs: null, file: "003_backfill.ts" },
    { version: "004", name: "add_index", state: "pending", checksum: null, appliedAt: null, durationMs: null, file: "004_add_index.sql" },
  ],
  pending: 1,
  dirty: true,
  problems: [checksumProblem],
};

describe("status", () => {
  it("--json is exactly the SPEC §4a object, plus the database it read", () => {
    expect(statusJson(status, "postgres://app:***@db/app")).toEqual({
      database: "postgres://app:***@db/app",
      migrations: [
        { version: "001", name: "create_users", state: "changed", checksum: "aaa", appliedAt: "2026-11-21T09:30:00.000Z", durationMs: 12 },
        { version: "002", name: "add_orders", state: "applied", checksum: "bbb", appliedAt: "2026-11-21T09:30:01.500Z", durationMs: 1500 },
        { version: "003", name: "backfill", state: "failed", checksum: "ccc", appliedAt: null, durationMs: null },
        { version: "004", name: "add_index", state: "pending", checksum: null, appliedAt: null, durationMs: null },
      ],
      pending: 1,
      dirty: true,
    });
  });

  it("the database it read, a table, flagged entries, the counts, the problems", () => {
    expect(statusLines(status, colors, { database: "postgres://app:***@db/app" })).toEqual([
      "database: postgres://app:***@db/app",
      "",
      "VERSION  NAME          STATE             APPLIED AT (UTC)     DURATION",
      "001      create_users  ! changed         2026-11-21 09:30:00     12 ms",
      "002      add_orders    applied           2026-11-21 09:30:01     1.5 s",
      "003      backfill      ! failed (dirty)  -                           -",
      "004      add_index     pending           -                           -",
      "",
      "1 applied, 1 pending, 2 need attention",
      'the database is dirty: a migration was interrupted or failed without rolling back; run "stratum resolve <version> --applied | --rolled-back" once you have checked it',
      "",
      "error    CHECKSUM_MISMATCH  001_create_users.sql",
      "         001_create_users was changed after it was applied.",
      "         fix: Restore the file or run `stratum repair`.",
      "",
      'status only reports; "stratum validate" exits non-zero on these',
    ]);
  });

  it("flags in colour on a terminal", () => {
    const lines = statusLines(status, pc.createColors(true));
    expect(lines[1]).toContain("\u001b[31m\u001b[1m! changed\u001b[22m\u001b[39m");
  });

  it("exit 0 even with problems: validate is the gate", async () => {
    const result = await runCli(["status"], { status });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("! changed");
    const json = await runCli(["status", "--json"], { status });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(statusJson(status, "sqlite:./stratum.db"));
    expect(result.stdout.split("\n")[0]).toBe("database: sqlite:./stratum.db");
    expect(json.stdout.trimEnd().split("\n")).toHaveLength(1);
  });

  it("an empty directory", () => {
    expect(statusLines({ migrations: [], pending: 0, dirty: false, problems: [] }, colors, { dir: "migrations", database: "sqlite:./x.db" })).toEqual([
      "database: sqlite:./x.db",
      "",
      "no migrations found in migrations",
    ]);
  });

  it("names another tool's layout under the database, and --json carries it", () => {
    const report: StatusReport = { layout: { name: "goose", detected: true }, migrations: [], pending: 0, dirty: false, problems: [] };
    expect(statusLines(report, colors, { dir: "db", database: "sqlite:./x.db" })).toEqual([
      "database: sqlite:./x.db",
      "layout: goose (detected)",
      "",
      "no migrations found in db",
    ]);
    expect(statusLines({ ...report, layout: { name: "flyway", detected: false } }, colors, { database: "sqlite:./x.db" })[1]).toBe("layout: flyway (from format)");
    expect(statusJson(report, "sqlite:./x.db")).toEqual({ database: "sqlite:./x.db", layout: { name: "goose", detected: true }, migrations: [], pending: 0, dirty: false });
  });
});

describe("plan", () => {
  const plan = {
    steps: [
      { direction: "up", version: "003", name: "add_orders", file: "003_add_orders.sql", reason: "pending", after: ["002"], transaction: true, outsideTransaction: null, statements: 2 },
      {
        direction: "up",
        version: "004",
        name: "concurrent_index",
        file: "004_concurrent_index.sql",
        reason: "pending",
        after: ["003"],
        transaction: false,
        outsideTransaction: "automatic: CREATE INDEX CONCURRENTLY at 004_concurrent_index.sql:2",
        statements: 1,
      },
      { direction: "up", version: "005", name: "placeholder", file: "005_placeholder.sql", reason: "pending", after: ["004"], transaction: true, outsideTransaction: null, statements: 0 },
    ],
    warnings: [conflictWarning],
  } as const;

  it("a table of steps with reasons and transactions, what runs outside a transaction on its own or runs nothing, then the warnings", () => {
    expect(planLines(plan, "up", colors)).toEqual([
      "apply 3 migrations, in this order:",
      "",
      "STEP  VERSION  NAME              REASON   TRANSACTION",
      "   1  003      add_orders        pending  yes",
      "   2  004      concurrent_index  pending  no",
      "   3  005      placeholder       pending  yes",
      "",
      "004_concurrent_index runs outside a transaction (automatic: CREATE INDEX CONCURRENTLY at 004_concurrent_index.sql:2)",
      "005_placeholder has no statements: nothing runs, it is recorded as applied",
      "",
      "warning  CONFLICT  002_a.sql, 003_b.sql",
      "         002_a and 003_b both touch users with no dependency between them.",
      "         fix: Declare a dependency.",
    ]);
    expect(planLines({ steps: [], warnings: [] }, "down", colors)).toEqual(["nothing to roll back"]);
  });

  it("--json prints { steps, warnings }", async () => {
    const result = await runCli(["plan", "--json"], { plan });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ steps: plan.steps, warnings: plan.warnings });
  });
});

describe("validate", () => {
  const report = (problems: Problem[]): ValidateReport => ({
    ok: problems.every((p) => p.severity !== "error"),
    problems,
    migrations: 4,
  });

  it.each([
    { problems: [], strict: false, code: 0 },
    { problems: [conflictWarning], strict: false, code: 0 },
    { problems: [conflictWarning], strict: true, code: 3 },
    { problems: [checksumProblem], strict: false, code: 3 },
    { problems: [checksumProblem, conflictWarning], strict: true, code: 3 },
  ])("$problems.length problems, strict=$strict → exit $code", async ({ problems, strict, code }) => {
    expect(validateExitCode(report(problems), strict)).toBe(code);
    const result = await runCli(strict ? ["validate", "--strict"] : ["validate"], { validate: report(problems) });
    expect(result.code).toBe(code);
    expect(result.calls.validate).toEqual([{ strict }]);
  });

  it("lists every problem with code, message, files and fix, then a verdict", () => {
    expect(validateLines(report([checksumProblem, conflictWarning]), false, colors)).toEqual([
      "error    CHECKSUM_MISMATCH  001_create_users.sql",
      "         001_create_users was changed after it was applied.",
      "         fix: Restore the file or run `stratum repair`.",
      "warning  CONFLICT  002_a.sql, 003_b.sql",
      "         002_a and 003_b both touch users with no dependency between them.",
      "         fix: Declare a dependency.",
      "",
      "validation failed: 1 error, 1 warning in 4 migrations",
    ]);
    expect(validateLines(report([]), false, colors)).toEqual(["ok: 4 migrations checked, no problems"]);
    expect(validateLines(report([conflictWarning]), false, colors).at(-1)).toBe(
      "ok with 0 errors, 1 warning in 4 migrations (--strict fails on warnings)",
    );
  });

  it("--json prints the report; --quiet prints only the failing problems, on stderr", async () => {
    const json = await runCli(["validate", "--json"], { validate: report([checksumProblem]) });
    expect(JSON.parse(json.stdout)).toEqual(report([checksumProblem]));
    const quiet = await runCli(["validate", "--quiet"], { validate: report([checksumProblem, conflictWarning]) });
    expect(quiet.code).toBe(3);
    expect(quiet.stdout).toBe("");
    expect(quiet.stderr).toContain("CHECKSUM_MISMATCH");
    expect(quiet.stderr).not.toContain("CONFLICT");
  });
});

describe("history and stats", () => {
  const entries: LogEntry[] = [
    {
      version: "001",
      name: "create_users",
      operation: "apply",
      outcome: "success",
      startedAt: "2026-11-21T09:30:00.000Z",
      finishedAt: "2026-11-21T09:30:00.012Z",
      durationMs: 12,
      checksum: "aaa",
      error: null,
      host: "ci-1",
      dbUser: "app",
      toolVersion: "0.1.0",
      details: null,
    },
    {
      version: "002",
      name: "add_orders",
      operation: "apply",
      outcome: "failure",
      startedAt: "2026-11-21T09:31:00.000Z",
      finishedAt: "2026-11-21T09:31:00.500Z",
      durationMs: 500,
      checksum: "bbb",
      error: 'relation "nosuch" does not exist at 002_add_orders.sql:4, and a long tail of text that goes on and on\nsecond line',
      host: "ci-1",
      dbUser: null,
      toolVersion: "0.1.0",
      details: null,
    },
  ];

  it("history: started, operation, version, outcome, duration, user, error", () => {
    expect(historyLines(entries, colors)).toEqual([
      "STARTED (UTC)        OPERATION  VERSION           OUTCOME  DURATION  USER  ERROR",
      "2026-11-21 09:30:00  apply      001_create_users  success     12 ms  app",
      '2026-11-21 09:31:00  apply      002_add_orders    failure    500 ms  -     relation "nosuch" does not exist at 002_add_orders.sql:4, a…',
    ]);
    expect(historyLines(entries, colors, { full: true }).at(-1)).toContain("second line");
    expect(historyLines([], colors)).toEqual(["no history yet: nothing has been applied to this database"]);
  });

  it("history --json prints an array", async () => {
    const result = await runCli(["history", "--json"], { history: entries });
    expect(JSON.parse(result.stdout)).toEqual(entries);
  });

  const stats: Stats = {
    applied: 12,
    pending: 2,
    failures: 1,
    rollbacks: 3,
    totalDurationMs: 4200,
    meanDurationMs: 350,
    p95DurationMs: 1100,
    slowest: [
      { version: "007", name: "backfill", durationMs: 2100 },
      { version: "003", name: "add_index", durationMs: 900 },
    ],
    recentFailures: [entries[1] as LogEntry],
  };

  it("stats: counts, durations, slowest, recent failures", () => {
    expect(statsLines(stats, colors)).toEqual([
      "METRIC           VALUE",
      "applied             12",
      "pending              2",
      "failures             1",
      "rollbacks            3",
      "total duration   4.2 s",
      "mean duration   350 ms",
      "p95 duration     1.1 s",
      "",
      "slowest migrations",
      "VERSION  NAME       DURATION",
      "007      backfill      2.1 s",
      "003      add_index    900 ms",
      "",
      "recent failures",
      "STARTED (UTC)        OPERATION  VERSION         ERROR",
      '2026-11-21 09:31:00  apply      002_add_orders  relation "nosuch" does not exist at 002_add_orders.sql:4, and a long tail of te…',
    ]);
  });

  it("stats --json prints the object", async () => {
    const result = await runCli(["stats", "--json"], { stats });
    expect(JSON.parse(result.stdout)).toEqual(stats);
  });
});

describe("formatting", () => {
  it.each([
    [0, "0 ms"],
    [12.4, "12 ms"],
    [999, "999 ms"],
    [1000, "1.0 s"],
    [1234, "1.2 s"],
    [59_949, "59.9 s"],
    [61_000, "1m 01s"],
    [3_600_000, "1h 00m"],
    [null, "-"],
  ])("formatDuration(%j) = %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("timestamps, counts, ids, truncation, tables", () => {
    expect(formatTimestamp("2026-11-21T09:30:00.123Z")).toBe("2026-11-21 09:30:00");
    expect(formatTimestamp("not a date")).toBe("not a date");
    // the text as written where it is canonical, else what a Date makes of it
    for (const iso of ["2024-02-29T23:59:59.999Z", "2026-02-29T10:00:00.000Z", "2026-04-31T00:00:00Z", "2026-11-21T09:30:00Z", "2026-11-21 09:30:00", "0999-12-31T00:00:00.000Z"]) {
      const date = new Date(iso);
      expect(formatTimestamp(iso), iso).toBe(Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19).replace("T", " "));
    }
    expect(formatTimestamp("2026-02-29T10:00:00.000Z")).toBe("2026-03-01 10:00:00");
    expect(formatTimestamp(null)).toBe("-");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(migrationId("003", "add_orders")).toBe("003_add_orders");
    expect(migrationId("003", "003_add_orders")).toBe("003_add_orders");
    expect(migrationId("003", null)).toBe("003");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
    expect(renderTable([{ header: "A" }, { header: "N", align: "right" }], [["xx", "1"], ["y", "22"]], colors)).toEqual([
      "A    N",
      "xx   1",
      "y   22",
    ]);
  });

  it("measures cells in code points: an astral character is one, a lone surrogate is one", () => {
    const rows = [["😀😀", "x"], ["\ud800a", "y"], ["abc", "z"]];
    expect(renderTable([{ header: "K" }, { header: "V" }], rows, colors)).toEqual(["K    V", "😀😀   x", "\ud800a   y", "abc  z"]);
  });
});
