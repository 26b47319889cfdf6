import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { BIN } from "../support/cli.js";
import { makeProject } from "../support/project.js";

/**
 * File modes (issue item 21). What belongs in version control — the config `init` writes, the
 * migrations directory, the migrations `create` writes and the directories it makes — follows the
 * umask, so another OS user (a non-root container user) can read a checkout. What may hold data
 * or secrets — the SQLite database, its lock files, backups and their directory, a config holding
 * a password — stays 0600/0700 whatever the umask.
 */

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number) => `0${m.toString(8).padStart(3, "0")}`;
const NOBODY = 65534;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly output: string;
}

/** The built CLI under `umask <umask>` (set by a shell, as a user's would be), optionally as another user. */
function cli(cwd: string, umask: string, args: readonly string[], as?: number): Run {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("STRATUM_") && key !== "DATABASE_URL") env[key] = value;
  }
  const result = spawnSync("sh", ["-c", `umask ${umask} && exec ${quoted}`], {
    cwd,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1", HOME: cwd },
    ...(as === undefined ? {} : { uid: as, gid: as }),
  });
  return { code: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

const UMASKS = ["000", "002", "022", "077"] as const;

describe("versioned files follow the umask; data and secrets stay private", () => {
  it.concurrent.for(UMASKS)("umask %s: init and create follow it; the database, its lock and backups stay 0600/0700", (umask, { expect }) => {
    const mask = Number.parseInt(umask, 8);
    const file = octal(0o666 & ~mask);
    const dir = octal(0o777 & ~mask);
    const p = makeProject();
    rmSync(p.migrations, { recursive: true });
    try {
      const run = (args: readonly string[]) => {
        const result = cli(p.dir, umask, args);
        expect(result.code, `${args.join(" ")}: ${result.output}`).toBe(0);
        return result.stdout;
      };
      run(["init", "--dir", "db/migrations"]);
      const migrations = join(p.dir, "db", "migrations");
      expect(octal(mode(join(p.dir, "stratum.config.json"))), "the config init writes").toBe(file);
      expect(octal(mode(join(p.dir, "db"))), "a directory init makes on the way").toBe(dir);
      expect(octal(mode(migrations)), "the migrations directory init makes").toBe(dir);

      const sql = (JSON.parse(run(["create", "first", "--json"])) as { path: string }).path;
      const ts = (JSON.parse(run(["create", "second", "--ts", "--json"])) as { path: string }).path;
      expect(octal(mode(sql)), "a .sql migration create writes").toBe(file);
      expect(octal(mode(ts)), "a .ts migration create writes").toBe(file);
      const elsewhere = (JSON.parse(run(["create", "third", "--dir", "more/migrations", "--json"])) as { path: string }).path;
      expect(octal(mode(join(p.dir, "more"))), "a directory create makes on the way").toBe(dir);
      expect(octal(mode(join(p.dir, "more", "migrations"))), "the directory create makes").toBe(dir);
      expect(octal(mode(elsewhere))).toBe(file);

      writeFileSync(sql, "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n");
      rmSync(ts);
      run(["up", "--backup"]);
      const data = readdirSync(p.dir).filter((f) => f.startsWith("stratum.db"));
      expect(data).toEqual(expect.arrayContaining(["stratum.db", "stratum.db-stratum.lock"]));
      for (const f of data) expect(`${f} ${octal(mode(join(p.dir, f)))}`).toBe(`${f} 0600`);
      const backups = join(p.dir, "backups");
      expect(octal(mode(backups)), "the backups directory").toBe("0700");
      const taken = readdirSync(backups);
      expect(taken.length).toBe(1);
      for (const f of taken) expect(`${f} ${octal(mode(join(backups, f)))}`).toBe(`${f} 0600`);
    } finally {
      p.cleanup();
    }
  });

  it("a config init writes with a password in its url stays 0600, and init says why", ({ expect }) => {
    const p = makeProject();
    try {
      const result = cli(p.dir, "022", ["init", "--url", "postgres://app:s3cret@127.0.0.1:5432/app"]);
      expect(result.code, result.output).toBe(0);
      expect(octal(mode(join(p.dir, "stratum.config.json")))).toBe("0600");
      expect(result.output).toMatch(/stratum\.config\.json holds a password/);
      expect(result.output).not.toContain("s3cret");

      const query = makeProject();
      try {
        const viaQuery = cli(query.dir, "022", ["init", "--url", "mysql://app@127.0.0.1:3306/app?password=s3cret"]);
        expect(viaQuery.code, viaQuery.output).toBe(0);
        expect(octal(mode(join(query.dir, "stratum.config.json")))).toBe("0600");
      } finally {
        query.cleanup();
      }
    } finally {
      p.cleanup();
    }
  });

  it("a SQLite backup is created 0600 from the start: a link planted at its name is never written through", ({ expect }) => {
    const p = makeProject({ "001_a.sql": "-- migrate:up\nCREATE TABLE a (id INTEGER);\n" });
    const elsewhere = mkdtempSync(join(tmpdir(), "stratum-victim-"));
    const victim = join(elsewhere, "victim.txt");
    try {
      writeFileSync(victim, "precious\n", { mode: 0o644 });
      // a backups directory the user made, readable by all, with a link at every name the next
      // minute's backups would take (stratum-<UTC stamp to the second>.db)
      const backups = join(p.dir, "backups");
      mkdirSync(backups, { mode: 0o755 });
      const now = Date.now();
      for (let s = 0; s < 60; s++) {
        const stamp = new Date(now + s * 1000).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
        symlinkSync(victim, join(backups, `stratum-${stamp}.db`));
      }
      const result = cli(p.dir, "022", ["up", "--backup"]);
      expect(result.code, result.output).toBe(2);
      expect(result.output).toMatch(/cannot create backup file .*stratum-\d{8}T\d{6}\.db: the file already exists/);
      expect(readFileSync(victim, "utf8"), "the victim's content").toBe("precious\n");
      expect(octal(mode(victim)), "the victim's mode").toBe("0644");
      expect(cli(p.dir, "022", ["status"]).stdout, "nothing was migrated").toContain("1 pending");
    } finally {
      p.cleanup();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  // the tests run as root, which may act as another user (nobody) to read what root wrote
  it("another OS user can read a project root initialised and added migrations to", ({ expect }) => {
    const p = makeProject();
    rmSync(p.migrations, { recursive: true });
    try {
      chmodSync(p.dir, 0o755); // a checkout: mkdtemp made it 0700
      expect(cli(p.dir, "022", ["init"]).code).toBe(0);
      const created = cli(p.dir, "022", ["create", "first", "--json"]);
      expect(created.code, created.output).toBe(0);
      writeFileSync((JSON.parse(created.stdout) as { path: string }).path, "-- migrate:up\nCREATE TABLE a (id INTEGER);\n");
      const status = cli(p.dir, "022", ["status"], NOBODY);
      expect(status.code, status.output).toBe(0);
      expect(status.output).toContain("1 pending");
      const validate = cli(p.dir, "022", ["validate"], NOBODY);
      expect(validate.code, validate.output).toBe(0);
    } finally {
      p.cleanup();
    }
  });
});
