import { readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/**
 * The CLI keeps discovery's cache beside its code cache (issue 16): a run over unchanged files
 * reads none of them. An edit made after the cache was written — in place, at the same size — is
 * still a changed migration to `status`, `validate` and `up`, as without a cache.
 */
let dir = "";
let cache = "";
let env: Record<string, string> = {};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "stratum-e2e-discovery-cache-"));
  // a cache directory of the test's own (STRATUM_CACHE_DIR): where the installation's would be
  // depends on the machine (node_modules/.cache when it can be written, else the temporary directory)
  cache = join(dir, "cache");
  env = { STRATUM_CACHE_DIR: cache };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI's discovery cache", () => {
  it("is written once the files are older than two seconds, and an edit at the same size is still caught", async () => {
    const migrations = join(dir, "migrations");
    await mkdir(migrations);
    await writeFile(join(migrations, "001_users.sql"), "-- migrate:up\ncreate table users (id int);\n\n-- migrate:down\ndrop table users;\n");
    await writeFile(join(migrations, "002_posts.sql"), "-- migrate:up\ncreate table posts (id int);\n\n-- migrate:down\ndrop table posts;\n");
    await sleep(2200); // files changed less than two seconds ago are never recorded
    const args = ["--dir", migrations, "--url", `sqlite:${join(dir, "app.db")}`];
    const up = await runCli(["up", ...args], { cwd: dir, env });
    expect(up.code, up.output).toBe(0);
    const written = readdirSync(cache)
      .filter((n) => n.startsWith("discovery-"))
      .map((n) => JSON.parse(readFileSync(join(cache, n), "utf8")) as { root: string; files: string[] })
      .find((c) => c.root === realpathSync(migrations));
    expect(written?.files).toEqual(["001_users.sql", "002_posts.sql"]);
    // the code cache goes to the same place
    expect(readdirSync(cache).filter((n) => n.endsWith(".v8cache"))).toHaveLength(1);

    const again = await runCli(["status", ...args], { cwd: dir, env });
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/2 applied, 0 pending/);

    // the sections of recorded migrations are read when used: a rollback and a re-apply
    const down = await runCli(["down", ...args], { cwd: dir, env });
    expect(down.code, down.output).toBe(0);
    expect(down.output).toContain("002_posts");
    const reapplied = await runCli(["up", ...args], { cwd: dir, env });
    expect(reapplied.code, reapplied.output).toBe(0);
    expect(reapplied.output).toContain("002_posts");

    // the same size, another text: only its change time tells
    const path = join(migrations, "001_users.sql");
    writeFileSync(path, readFileSync(path, "utf8").replace("users (id", "users (ix"));
    const validate = await runCli(["validate", ...args], { cwd: dir, env });
    expect(validate.code).not.toBe(0);
    expect(validate.output).toContain("001_users was changed after it was applied");
    const refused = await runCli(["up", ...args], { cwd: dir, env });
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain("001_users was changed after it was applied");
  }, 30_000);
});
