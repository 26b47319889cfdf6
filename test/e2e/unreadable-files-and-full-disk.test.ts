// Acceptance of issue 10, item 10, as a new user checks it: an applied migration's file that this
// user may not read is named with the operating system's reason and whose it is, and it is not
// "missing" (whose fix, `repair --remove-missing`, would forget an applied migration); a disk that
// fills up during a statement (not only at COMMIT) says to free space, not to run it again as is.
//
// Root reads anything, so as root the CLI runs as `nobody`; as another user it runs as that user.

import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, runCliAsUser, UNPRIVILEGED } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const root = process.getuid?.() === 0;
const user = UNPRIVILEGED;
const uid = user?.uid ?? process.getuid?.();

describe("an applied migration's file this user may not read", () => {
  let project: Project;
  beforeEach(() => {
    project = makeProject({
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
      "002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n",
    });
    chmodSync(project.dir, 0o755);
  });
  afterEach(() => project.cleanup());

  it("names the file, the reason and the user; it is not missing, and repair refuses to forget it", async () => {
    const url = `sqlite:${join(project.dir, "app.db")}`;
    const up = await runCli(["up", "--url", url], { cwd: project.dir });
    expect(up.code, up.output).toBe(0);
    // the database stays readable by everyone; the migration file by its owner only
    chmodSync(join(project.dir, "app.db"), 0o644);
    chmodSync(join(project.migrations, "002_b.sql"), root ? 0o600 : 0o000);

    const status = await runCliAsUser(["status", "--url", url], project.dir);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toMatch(/002\s+b\s+! changed/);
    expect(status.output).toMatch(/002_b\.sql cannot be read: permission denied \(EACCES\)/);
    expect(status.output).toMatch(new RegExp(`Make 002_b\\.sql readable by this user \\(uid ${uid}\\)`));
    if (root) expect(status.output).toMatch(/or run stratum as its owner \(uid 0\)/);
    expect(status.output).not.toMatch(/missing|MISSING_FILE|remove-missing|EACCES: permission denied, open/);

    const repair = await runCliAsUser(["repair", "--remove-missing", "--dry-run", "--url", url], project.dir);
    expect(repair.code, repair.output).toBe(3);
    expect(repair.stderr).toMatch(/002_b\.sql cannot be read: permission denied \(EACCES\)/);
    expect(repair.output).not.toMatch(/would remove|file is gone/);

    // as the message says: readable again, and all is well
    chmodSync(join(project.migrations, "002_b.sql"), 0o644);
    const validate = await runCliAsUser(["validate", "--url", url], project.dir);
    expect(validate.code, validate.output).toBe(0);
  }, 60_000);
});

describe("SQLite: the disk fills up during a migration's statement", () => {
  let project: Project;
  let disk: string;
  beforeEach(() => {
    project = makeProject({
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
      // about 30 MB: the page cache spills to the 1 MB disk while the statement runs
      "002_big.sql":
        "-- migrate:up\nCREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT x, hex(randomblob(50)) AS b FROM c;\n-- migrate:down\nDROP TABLE big;\n",
    });
    disk = mkdtempSync(join(tmpdir(), "stratum-disk-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=1777", "tmpfs", disk], { stdio: "pipe" });
    } catch (error) {
      rmSync(disk, { recursive: true, force: true });
      throw new Error(`this test mounts a small tmpfs to fill a disk, which needs root: ${(error as Error).message}`);
    }
  });
  afterEach(() => {
    execFileSync("umount", [disk], { stdio: "pipe" });
    rmSync(disk, { recursive: true, force: true });
    project.cleanup();
  });

  it("says to free space on that file system; it is still pending, and with space it applies", async () => {
    const url = `sqlite:${join(disk, "app.db")}`;
    const run = await runCli(["up", "--url", url], { cwd: project.dir });
    expect(run.code, run.output).toBe(1);
    expect(run.stderr).toMatch(/migration 002_big failed .*database or disk is full/);
    const fix = run.stderr.split("\n").find((line) => line.startsWith("fix:")) ?? "";
    expect(fix).toBe(`fix: free space on the file system holding ${disk}, then run \`stratum up\` again`);
    expect(run.stdout).toMatch(/failed: 1 migration failed, 1 applied, 1 still pending/);
    const status = await runCli(["status", "--url", url], { cwd: project.dir });
    expect(status.stdout).toMatch(/002\s+big\s+pending/);
    execFileSync("mount", ["-o", "remount,size=64m", disk], { stdio: "pipe" });
    const again = await runCli(["up", "--url", url], { cwd: project.dir });
    expect(again.code, again.output).toBe(0);
  }, 60_000);
});
