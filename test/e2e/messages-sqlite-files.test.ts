// SQLite files the user cannot write (another user's lock file, a read-only database, a directory
// without write permission, a read-only file system) and a full disk: each names the path, the
// operating system's reason, exits 5 (the database cannot be used, as an unreachable server) or 1
// (a migration failed) and gives a fix that fits; a failed COMMIT on SQLite says it is pending.
//
// Root bypasses file permissions, so as root the CLI runs as `nobody`; as another user it runs as
// that user. The full-disk cases mount a small tmpfs, which needs root: elsewhere they fail, saying so.

import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, runCliAsUser, UNPRIVILEGED } from "../support/cli.js";
import { makeProject, type Project } from "../support/project.js";

const root = process.getuid?.() === 0;
/** Whom the CLI runs as: `nobody` when the tests run as root (who may write anything). */
const user = UNPRIVILEGED;

/** A file or directory now belongs to the user the CLI runs as. */
function giveToUser(path: string): void {
  if (user !== null) chownSync(path, user.uid, user.gid);
}

const MIGRATIONS = {
  "001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
  "002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n-- migrate:down\nDROP TABLE b;\n",
};

const fixLine = (stderr: string) => stderr.split("\n").find((line) => line.startsWith("fix:")) ?? "";

describe("SQLite files this user cannot write", () => {
  let project: Project;
  let base: string;
  beforeEach(() => {
    project = makeProject(MIGRATIONS);
    chmodSync(project.dir, 0o755);
    base = mkdtempSync(join(tmpdir(), "stratum-perm-"));
    chmodSync(base, 0o755);
  });
  afterEach(() => {
    project.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  /** A directory of the user's own holding a database with 001 applied, owned by the user. */
  async function ownDatabase(): Promise<{ dir: string; db: string }> {
    const dir = join(base, "own");
    mkdirSync(dir);
    giveToUser(dir);
    const db = join(dir, "app.db");
    const first = await runCliAsUser(["up", "--step", "1", "--url", `sqlite:${db}`], project.dir);
    expect(first.code, first.output).toBe(0);
    return { dir, db };
  }

  const pending = async (db: string) => {
    const status = await runCliAsUser(["status", "--url", `sqlite:${db}`], project.dir);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toMatch(/002\s+b\s+pending/);
  };

  it("a lock file of another user: exit 5, its path, permission denied, and how to get past it", async () => {
    const { db } = await ownDatabase();
    const lock = `${db}-stratum.lock`;
    rmSync(lock, { force: true });
    writeFileSync(lock, "");
    // as root: root's own file, mode 0600; otherwise a file this user may not write
    chmodSync(lock, root ? 0o600 : 0o400);
    const result = await runCliAsUser(["up", "--url", `sqlite:${db}`], project.dir);
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot use the lock file ${lock}: permission denied \\(EACCES\\)`, "m"));
    expect(fixLine(result.stderr)).toMatch(new RegExp(`^fix: remove ${lock} \\(stratum creates it again\\) or make it writable by this user`));
    await pending(db);
  });

  it("a read-only database: exit 5 before any statement, naming the file and the reason", async () => {
    const { db } = await ownDatabase();
    chmodSync(db, 0o444);
    const result = await runCliAsUser(["up", "--url", `sqlite:${db}`], project.dir);
    expect(result.code, result.output).toBe(5);
    expect(result.output).not.toMatch(/002_b\.sql|fix the statement/);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot write to SQLite database ${db}: permission denied \\(EACCES\\)`, "m"));
    expect(fixLine(result.stderr)).toMatch(new RegExp(`^fix: make ${db} writable by this user`));
    // reading still works
    await pending(db);
  });

  it("a database this user cannot read: status exits 5, naming the file and the reason", async () => {
    const { db } = await ownDatabase();
    chmodSync(db, 0o000);
    const result = await runCliAsUser(["status", "--url", `sqlite:${db}`], project.dir);
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot read SQLite database ${db}: permission denied \\(EACCES\\)`, "m"));
    expect(fixLine(result.stderr)).toMatch(new RegExp(`^fix: make ${db} readable by this user`));
  });

  it("a directory this user cannot write in, with the database in it: exit 5 naming the directory", async () => {
    const { dir, db } = await ownDatabase();
    rmSync(`${db}-stratum.lock`, { force: true });
    chmodSync(dir, 0o555);
    const result = await runCliAsUser(["up", "--url", `sqlite:${db}`], project.dir);
    expect(result.code, result.output).toBe(5);
    expect(result.output).not.toMatch(/remove whatever/);
    expect(result.stderr).toMatch(
      new RegExp(`^error: cannot write in ${dir}, the directory of SQLite database ${db}: permission denied \\(EACCES\\)`, "m"),
    );
    expect(fixLine(result.stderr)).toMatch(new RegExp(`^fix: make ${dir} writable by this user`));
    await pending(db);
  });

  it("a new database in a directory this user cannot write in: exit 5 naming both", async () => {
    const dir = join(base, "theirs");
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const db = join(dir, "new.db");
    const result = await runCliAsUser(["up", "--url", `sqlite:${db}`], project.dir);
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot create SQLite database ${db}: permission denied \\(EACCES\\) in ${dir}`, "m"));
    expect(fixLine(result.stderr)).toMatch(new RegExp(`^fix: make ${dir} writable by this user`));
    expect(existsSync(db)).toBe(false);
  });
});

/** A tmpfs of `size` mounted at a fresh directory, unmounted afterwards (needs root). */
function smallDisk(size: string, cleanups: (() => void)[]): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=1777`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`this test mounts a small tmpfs to fill a disk, which needs root: ${(error as Error).message}`);
  }
  cleanups.push(() => {
    execFileSync("umount", [dir], { stdio: "pipe" });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe("SQLite on a full disk", () => {
  let project: Project;
  const cleanups: (() => void)[] = [];
  beforeEach(() => {
    project = makeProject({
      ...MIGRATIONS,
      // about 400 KB, built in memory: the disk fills up when it is written, at COMMIT
      "002_b.sql":
        "-- migrate:up\nCREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400) SELECT x, randomblob(1000) AS b FROM c;\n-- migrate:down\nDROP TABLE big;\n",
    });
  });
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    project.cleanup();
  });
  const cli = (args: readonly string[]) => runCli(args, { cwd: project.dir });

  it("a COMMIT that fails for lack of space: SQLite rolled it back, so it says pending and to free space", async () => {
    const disk = smallDisk("256k", cleanups);
    const db = join(disk, "app.db");
    expect((await cli(["up", "--step", "1", "--url", `sqlite:${db}`])).code).toBe(0);
    const result = await cli(["up", "--url", `sqlite:${db}`]);
    expect(result.code, result.output).toBe(1);
    expect(result.stderr).toMatch(/^error: migration 002_b failed while committing: database or disk is full$/m);
    expect(result.output).not.toMatch(/may or may not/);
    expect(fixLine(result.stderr)).toBe(
      `fix: nothing of it was applied (it is still pending): free space on the file system holding ${disk}, then run \`stratum up\` again`,
    );
    expect(result.stdout).toMatch(/failed: 1 migration failed, 0 applied, 1 still pending/);
    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.prepare("select state from stratum_migrations where version = '002'").all()).toEqual([]);
      expect(sqlite.prepare("select count(*) as n from sqlite_master where name = 'big'").get()).toEqual({ n: 0 });
    } finally {
      sqlite.close();
    }
    // the fix works: with space, it applies
    execFileSync("mount", ["-o", "remount,size=4m", disk], { stdio: "pipe" });
    const again = await cli(["up", "--url", `sqlite:${db}`]);
    expect(again.code, again.output).toBe(0);
  });

  it("a full disk when taking the lock file: exit 5, the lock file's path and the fix", async () => {
    const disk = smallDisk("256k", cleanups);
    const db = join(disk, "app.db");
    expect((await cli(["up", "--step", "1", "--url", `sqlite:${db}`])).code).toBe(0);
    rmSync(`${db}-stratum.lock`, { force: true });
    // fill the disk to the last block
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${join(disk, "fill")}`, "bs=4k"], { stdio: "pipe" });
    } catch {
      // dd stops with "No space left on device": that is the point
    }
    const result = await cli(["up", "--url", `sqlite:${db}`]);
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot use the lock file ${db}-stratum.lock: the disk is full`, "m"));
    expect(fixLine(result.stderr)).toBe(`fix: free space on the file system holding ${disk}, then run again`);
  });

  it("a read-only file system: exit 5, its reason and fix", async () => {
    const disk = smallDisk("1m", cleanups);
    const db = join(disk, "app.db");
    expect((await cli(["up", "--step", "1", "--url", `sqlite:${db}`])).code).toBe(0);
    execFileSync("mount", ["-o", "remount,ro", disk], { stdio: "pipe" });
    const result = await cli(["up", "--url", `sqlite:${db}`]);
    expect(result.code, result.output).toBe(5);
    expect(result.stderr).toMatch(new RegExp(`^error: cannot write to SQLite database ${db}: read-only file system \\(EROFS\\)`, "m"));
    expect(fixLine(result.stderr)).toMatch(/^fix: remount the file system read-write, or move the database to a writable one/);
    const status = await cli(["status", "--url", `sqlite:${db}`]);
    expect(status.code, status.output).toBe(0);
  });
});
