// `stratum verify` end to end on PostgreSQL and MariaDB (test/e2e/verify.test.ts covers SQLite):
// the built CLI, `shadow.url` from stratum.config.json pointing at the test servers. A broken
// down is caught (exit 3) naming the migration, the kind and the object; an irreversible
// migration is listed as not verified (exit 0); `--pending` replays what the real target has
// applied, verifies the rest, and leaves the target exactly as it was.
import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject, type Project } from "../support/project.js";
import { brokenVariants, irreversibleMigration, kindsSet, migrationFile, type CorpusMigration } from "../support/schema-corpus.js";
import { MYSQL_URL, PG_URL, mysqlTarget, postgresTarget, type Target, type TestDb } from "../support/targets.js";

/** Timeouts, not budgets: the servers are shared with other work. */
const CLI_TIMEOUT = 240_000;
const CASE_TIMEOUT = 300_000;

const SHADOW_URL: Partial<Record<Target["name"], string>> = { postgres: PG_URL, mysql: MYSQL_URL };

interface JsonReport {
  ok: boolean;
  shadow: { description: string };
  migrations: { version: string; file: string; outcome: string; reason?: string; problems: string[] }[];
}

const id = (m: CorpusMigration): string => m.file.replace(/\.sql$/, "");

/** A project holding `migrations`, with `shadow.url` in stratum.config.json, on a new database of `target`. */
async function using(
  target: Target,
  migrations: readonly CorpusMigration[],
  fn: (cli: (args: readonly string[]) => Promise<CliResult>, db: TestDb, project: Project) => Promise<void>,
): Promise<void> {
  const project = makeProject(Object.fromEntries(migrations.map((m) => [m.file, migrationFile(m)])));
  project.write("stratum.config.json", JSON.stringify({ dir: "./migrations", shadow: { url: SHADOW_URL[target.name] } }));
  const db = await target.createDatabase();
  try {
    await fn((args) => runCli([...args, "--url", db.url], { cwd: project.dir, timeoutMs: CLI_TIMEOUT }), db, project);
  } finally {
    await db.drop();
    project.cleanup();
  }
}

function noStackTrace(result: CliResult): void {
  expect(result.stderr, result.output).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(result.output).not.toMatch(/internal error/i);
}

const targets = [await postgresTarget(), await mysqlTarget()];

eachTarget(targets, "stratum verify on a server", (target) => {
  const dialect = target.name;
  describe.concurrent(`stratum verify on ${dialect} (shadow.url)`, () => {
    const cases = [
      brokenVariants(dialect).find((v) => v.kind === "function" && v.how === "forgets")!,
      brokenVariants(dialect).find((v) => v.kind === "trigger" && v.how === "drops the wrong object")!,
    ];
    for (const variant of cases) {
      it(`${variant.label}: exit 3, the problem names ${id(variant.migration)}, the kind and the object`, async () => {
        const { migration } = variant;
        await using(target, [...variant.migrations, migration], async (cli, db) => {
          const previous = variant.migrations.at(-1)!.version;
          const result = await cli(["verify", "--from", previous]);
          noStackTrace(result);
          expect(result.code, result.output).toBe(3);
          expect(result.stdout).toMatch(/^shadow: database stratum_shadow_[0-9a-f]{8} on (postgres|mysql):\/\/127\.0\.0\.1:\d+ \(ready in .+\)$/m);
          expect(result.stdout).toMatch(new RegExp(`^  FAILED +${id(migration)}$`, "m"));
          const sentences = variant.expected.map((e) =>
            e.change === "added" ? `down of ${id(migration)} leaves ${e.kind} ${e.name}` : `down of ${id(migration)} drops ${e.kind} ${e.name} that existed before`,
          );
          for (const sentence of sentences) expect(result.stdout).toContain(`      - ${sentence}\n`);
          expect(result.stdout).toMatch(/^verify failed: .*1 failed/m);

          const json = JSON.parse((await cli(["verify", "--from", previous, "--json"])).stdout) as JsonReport;
          expect(json.ok).toBe(false);
          expect(json.migrations.at(-1)?.problems).toEqual(expect.arrayContaining(sentences));
          // verify never touches the target
          expect(await db.tables()).toEqual([]);
        });
      }, CASE_TIMEOUT);
    }

    it("an irreversible migration is listed as not verified; the set passes (exit 0)", async () => {
      const base = kindsSet(dialect)[0]!;
      const set = [irreversibleMigration(dialect, 1), { ...base, version: "0002", file: "0002_base.sql" }];
      await using(target, set, async (cli) => {
        const result = await cli(["verify"]);
        noStackTrace(result);
        expect(result.code, result.output).toBe(0);
        expect(result.stdout).toMatch(/^  not verified +0001_irreversible_ledger: irreversible \(no down\)$/m);
        expect(result.stdout).toMatch(/^  verified +0002_base$/m);
        expect(result.stdout).toMatch(/^ok: 1 verified, 1 not verified \(2 migrations, .+\)$/m);
      });
    }, CASE_TIMEOUT);
  });
});

eachTarget([targets[0] as Target], "stratum verify --pending", () => {
  it.concurrent("on postgres: --pending replays what the target applied, verifies the rest, and the target is left exactly as it was", async () => {
    const target = targets[0] as Target;
    // 0001–0003 correct, 0004's down forgets its index; the target has applied 0001 and 0002
    const variant = brokenVariants("postgres").find((v) => v.kind === "index" && v.how === "forgets")!;
    await using(target, [...variant.migrations, variant.migration], async (cli) => {
      const applied = await cli(["up", "--to", "0002"]);
      expect(applied.code, applied.output).toBe(0);
      const look = async () => ({
        schema: (await cli(["schema", "dump", "--file", "-"])).stdout,
        status: (await cli(["status", "--json"])).stdout,
        history: (await cli(["history", "--json"])).stdout,
      });
      const before = await look();
      expect(before.schema).toContain("CREATE TABLE public.items");

      const result = await cli(["verify", "--pending", "--json"]);
      noStackTrace(result);
      expect(result.code, result.output).toBe(3);
      const json = JSON.parse(result.stdout) as JsonReport;
      expect(json.migrations.map((m) => [m.version, m.outcome])).toEqual([
        ["0001", "replayed"],
        ["0002", "replayed"],
        ["0003", "verified"],
        ["0004", "failed"],
      ]);
      expect(json.migrations[3]?.problems[0]).toBe("down of 0004_index leaves index public.items_sku_idx");

      expect(await look()).toEqual(before);
    });
  }, CASE_TIMEOUT);
});
