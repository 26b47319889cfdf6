// Discovery's cache (issue 16): a run over files that have not changed reads none of them, and
// whatever changes a file — in place, at the same size, by rename, by adding its down file — is
// read again. Real files in a temporary directory; the clock is moved forward instead of waiting
// for the files to age (an entry is recorded only for files changed TRUSTED_AGE_MS before).
import { appendFileSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import type { MigrationFile } from "../../../src/core/types.js";
import { discoverMigrations, recordedWhole, type SourceOptions } from "../../../src/source/discover.js";
import { readDiscoveryCache, TRUSTED_AGE_MS } from "../../../src/source/discovery-cache.js";

let dir: string;
let cacheDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "stratum-discovery-cache-"));
  cacheDir = join(dir, ".cache");
  await mkdir(cacheDir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** As a run later than the files' last change by more than the trusted age. */
const later = (): SourceOptions => ({ cache: { dir: cacheDir, build: "test-build", now: () => Date.now() + TRUSTED_AGE_MS + 1000 } });
const cacheFiles = () => readdirSync(cacheDir).filter((name) => name.startsWith("discovery-"));

/** Everything a caller can see of the migrations, sections included, as plain data. */
const seen = (migrations: readonly MigrationFile[]) => JSON.parse(JSON.stringify(migrations)) as unknown;

async function writeProject(): Promise<void> {
  await writeFile(join(dir, "001_users.sql"), "-- migrate:up\ncreate table users (id int);\n\n-- migrate:down\ndrop table users;\n");
  await writeFile(
    join(dir, "002_orders.sql"),
    "-- stratum:depends 001\n-- stratum:description orders, with ü\n-- stratum:transaction off\n-- migrate:up\ncreate table orders (id int);\n\n-- migrate:verify\nselect 1;\n",
  );
  await writeFile(join(dir, "003_pair.up.sql"), "create table pair (id int);\n");
  await writeFile(join(dir, "003_pair.down.sql"), "drop table pair;\n");
  await writeFile(join(dir, "004_code.ts"), "export async function up(ctx) { await ctx.sql`select 1`; }\n");
  await writeFile(join(dir, "005_tagged.sql"), "-- migrate:up\nselect 5;\n");
  // one setting alone, false: not the defaults
  await writeFile(join(dir, "008_outside.sql"), "-- stratum:transaction off\n-- migrate:up\nselect 8;\n");
  await writeFile(join(dir, "005_tagged.postgres.sql"), "-- migrate:up\nselect 'pg';\n");
}

describe("discovery's cache", () => {
  it("gives the same migrations, sections and problems as reading every file", async () => {
    await writeProject();
    const plain = await discoverMigrations(dir, { dialect: "postgres" });
    const first = await discoverMigrations(dir, { dialect: "postgres", ...later() });
    expect(cacheFiles()).toHaveLength(1);
    const second = await discoverMigrations(dir, { dialect: "postgres", ...later() });
    expect(seen(first.migrations)).toEqual(seen(plain.migrations));
    expect(seen(second.migrations)).toEqual(seen(plain.migrations));
    expect(second.problems).toEqual(plain.problems);
    expect(second.migrations.map((m) => m.options)).toEqual(plain.migrations.map((m) => m.options));
    expect(second.migrations.find((m) => m.id === "008_outside")?.options.transaction).toBe(false);
    // a spread (as the planner makes) carries the sections too
    const pair = second.migrations.find((m) => m.id === "003_pair") as MigrationFile;
    expect({ ...pair }.down?.text).toContain("drop table pair;");
    expect(second.migrations.find((m) => m.id === "005_tagged")?.up?.text).toContain("select 'pg';");
  });

  it("reads again a file changed in place at the same size, and checksums its new text", async () => {
    await writeProject();
    const before = await discoverMigrations(dir, later());
    writeFileSync(join(dir, "001_users.sql"), readFileSync(join(dir, "001_users.sql"), "utf8").replace("users (id", "users (ix"));
    const after = await discoverMigrations(dir, later());
    const plain = await discoverMigrations(dir);
    const checksum = (r: typeof after, id: string) => r.migrations.find((m) => m.id === id)?.checksum;
    expect(checksum(after, "001_users")).not.toBe(checksum(before, "001_users"));
    expect(checksum(after, "001_users")).toBe(checksum(plain, "001_users"));
    expect(seen(after.migrations)).toEqual(seen(plain.migrations));
  });

  it("sees a down file added, a file removed and a file renamed", async () => {
    await writeProject();
    await writeFile(join(dir, "006_alone.up.sql"), "select 6;\n");
    await discoverMigrations(dir, later());
    await writeFile(join(dir, "006_alone.down.sql"), "select -6;\n");
    await unlink(join(dir, "004_code.ts"));
    await writeFile(join(dir, "007_renamed.sql"), readFileSync(join(dir, "002_orders.sql")));
    await unlink(join(dir, "002_orders.sql"));
    const cached = await discoverMigrations(dir, later());
    const plain = await discoverMigrations(dir);
    expect(seen(cached.migrations)).toEqual(seen(plain.migrations));
    expect(cached.migrations.map((m) => m.id)).toEqual(["001_users", "003_pair", "005_tagged", "006_alone", "007_renamed", "008_outside"]);
    expect(cached.migrations.find((m) => m.id === "006_alone")?.down?.text).toContain("select -6;");
  });

  it("records nothing for files changed moments ago, so no cache is written", async () => {
    await writeProject();
    await discoverMigrations(dir, { cache: { dir: cacheDir, build: "test-build" } });
    expect(cacheFiles()).toEqual([]);
  });

  it("does not record a migration with a problem: it is reported on every run", async () => {
    await writeFile(join(dir, "001_bad.sql"), "-- stratum:nonsense\n-- migrate:up\nselect 1;\n");
    await writeFile(join(dir, "002_good.sql"), "-- migrate:up\nselect 2;\n");
    const first = await discoverMigrations(dir, later());
    const second = await discoverMigrations(dir, later());
    expect(first.problems.map((p) => p.code)).toEqual(["BAD_DIRECTIVE"]);
    expect(second.problems).toEqual(first.problems);
  });

  it.each([
    ["not JSON", "{"],
    ["another shape", JSON.stringify({ format: 3, build: "test-build", files: "x" })],
    ["arrays out of step", null],
  ])("ignores a cache file that is %s and reads every file", async (_, text) => {
    await writeProject();
    await discoverMigrations(dir, later());
    const [name] = cacheFiles() as [string];
    const stored = JSON.parse(readFileSync(join(cacheDir, name), "utf8")) as { stamps: number[] };
    writeFileSync(join(cacheDir, name), text ?? JSON.stringify({ ...stored, stamps: stored.stamps.slice(1) }));
    const cached = await discoverMigrations(dir, later());
    const plain = await discoverMigrations(dir);
    expect(seen(cached.migrations)).toEqual(seen(plain.migrations));
  });

  it("keeps one cache per directory and dialect, and another build's is not used", async () => {
    await writeProject();
    await discoverMigrations(dir, { dialect: "postgres", ...later() });
    await discoverMigrations(dir, { dialect: "sqlite", ...later() });
    expect(cacheFiles()).toHaveLength(2);
    const other = { cache: { dir: cacheDir, build: "other-build", now: () => Date.now() + TRUSTED_AGE_MS + 1000 } };
    const result = await discoverMigrations(dir, { dialect: "sqlite", ...other });
    expect(cacheFiles()).toHaveLength(3);
    expect(seen(result.migrations)).toEqual(seen((await discoverMigrations(dir, { dialect: "sqlite" })).migrations));
  });

  it("reads no recorded file during discovery, and stops with one clear error if its text changed before its sections are used", async () => {
    await writeProject();
    await discoverMigrations(dir, later());
    const { migrations } = await discoverMigrations(dir, later());
    // written after discovery looked at it, before its sections were first used
    appendFileSync(join(dir, "001_users.sql"), "select 2;\n");
    const users = migrations.find((m) => m.id === "001_users") as MigrationFile;
    expect(() => users.up).toThrow(ConfigError);
    expect(() => users.up).toThrow(/^001_users\.sql changed while this command was running: its text is not the one read at the start/);
  });

  describe("a directory whose whole result was recorded", () => {
    /** Stratum's own files only, no variants: the whole result is recorded under the listing. */
    async function writePlain(): Promise<void> {
      await writeProject();
      await unlink(join(dir, "005_tagged.postgres.sql"));
      await writeFile(join(dir, "10_ten.sql"), "-- migrate:up\nselect 10;\n");
      await writeFile(join(dir, "README.md"), "not a migration\n");
    }
    const stored = () => JSON.parse(readFileSync(join(cacheDir, cacheFiles()[0] as string), "utf8")) as { listing: string[] | null; listingFormat: string };
    const same = async (options: SourceOptions = {}) => {
      const cached = await discoverMigrations(dir, { ...options, ...later() });
      const plain = await discoverMigrations(dir, options);
      expect(seen(cached.migrations)).toEqual(seen(plain.migrations));
      expect(cached.problems).toEqual(plain.problems);
      expect(cached.layout).toEqual(plain.layout);
      return cached;
    };

    it("records the listing, and a run over it gives the same migrations, in order, with their sections and options", async () => {
      await writePlain();
      await discoverMigrations(dir, later());
      expect(stored().listing).toEqual([
        "001_users.sql",
        "002_orders.sql",
        "003_pair.down.sql",
        "003_pair.up.sql",
        "004_code.ts",
        "005_tagged.sql",
        "008_outside.sql",
        "10_ten.sql",
        "README.md",
      ]);
      expect(stored().listingFormat).toBe("auto");
      const { migrations } = await same();
      expect(migrations.map((m) => [m.id, m.kind, m.version, m.name])).toEqual([
        ["001_users", "sql", "001", "users"],
        ["002_orders", "sql", "002", "orders"],
        ["003_pair", "sql", "003", "pair"],
        ["004_code", "code", "004", "code"],
        ["005_tagged", "sql", "005", "tagged"],
        ["008_outside", "sql", "008", "outside"],
        ["10_ten", "sql", "10", "ten"],
      ]);
      expect(migrations[1]?.options).toMatchObject({ dependsOn: ["001"], transaction: false });
      expect({ ...(migrations[2] as MigrationFile) }.down?.text).toContain("drop table pair;");
      // the answer came from the record: the listing matched and every file was stamped as recorded
      const root = realpathSync(dir);
      const whole = () => recordedWhole(root, readDiscoveryCache(cacheDir, "test-build", root, ""), readdirSync(root, { withFileTypes: true }), "auto");
      expect(seen(whole() ?? [])).toEqual(seen(migrations));
      expect(whole()).toHaveLength(7);
      appendFileSync(join(dir, "004_code.ts"), "// changed\n");
      expect(whole()).toBeNull();
    });

    it("sees a file changed in place, added, removed, or a directory made beside them", async () => {
      await writePlain();
      await discoverMigrations(dir, later());
      writeFileSync(join(dir, "10_ten.sql"), "-- migrate:up\nselect 11;\n");
      expect((await same()).migrations[6]?.up?.text).toContain("select 11;");
      await writeFile(join(dir, "011_more.sql"), "-- migrate:up\nselect 11;\n");
      expect((await same()).migrations.map((m) => m.id)).toContain("011_more");
      await unlink(join(dir, "002_orders.sql"));
      expect((await same()).migrations.map((m) => m.id)).not.toContain("002_orders");
      await mkdir(join(dir, "seeds"));
      await same();
      // a directory's files are listed for detection: one only prisma writes is seen
      await mkdir(join(dir, "20240101000000_init"));
      await writeFile(join(dir, "20240101000000_init", "migration.sql"), "create table p (id int);\n");
      expect((await same()).layout?.name).toBe("prisma");
    });

    it("detects another tool's layout again when a file gains its marker, or when a file only that tool names appears", async () => {
      await writePlain();
      await discoverMigrations(dir, later());
      writeFileSync(join(dir, "001_users.sql"), "-- +goose Up\ncreate table users (id int);\n-- +goose Down\ndrop table users;\n");
      expect((await same()).layout?.name).toBe("goose");
      await rm(dir, { recursive: true, force: true });
      await mkdir(cacheDir, { recursive: true });
      await writePlain();
      await discoverMigrations(dir, later());
      await writeFile(join(dir, "V12__flyway.sql"), "select 12;\n");
      expect((await same()).layout?.name).toBe("flyway");
    });

    it("keeps the format it was read with: a listing read as Stratum's own is not taken for detection", async () => {
      await writeFile(join(dir, "001_users.sql"), "-- +goose Up\ncreate table users (id int);\n");
      await discoverMigrations(dir, { format: "stratum", ...later() });
      await discoverMigrations(dir, { format: "stratum", ...later() });
      expect(stored().listingFormat).toBe("stratum");
      expect((await same()).layout?.name).toBe("goose");
      expect((await same({ format: "stratum" })).layout).toBeUndefined();
    });

    it("records no listing when a migration candidate is not a migration of this dialect, or when something is wrong", async () => {
      await writePlain();
      await writeFile(join(dir, "10_ten.mysql.sql"), "-- migrate:up\nselect 'my';\n");
      await discoverMigrations(dir, { dialect: "postgres", ...later() });
      expect(stored().listing).toBeNull();
      await same({ dialect: "postgres" });
      await unlink(join(dir, "10_ten.mysql.sql"));
      await writeFile(join(dir, "012_bad.sql"), "-- stratum:nonsense\n-- migrate:up\nselect 1;\n");
      expect((await same({ dialect: "postgres" })).problems.map((p) => p.code)).toEqual(["BAD_DIRECTIVE"]);
      expect(stored().listing).toBeNull();
    });
  });

  it("writes no cache where it cannot write, and discovers as usual", async () => {
    await writeProject();
    const options = { cache: { dir: join(dir, "no-such-dir"), build: "b", now: () => Date.now() + TRUSTED_AGE_MS + 1000 } };
    const result = await discoverMigrations(dir, options);
    expect(seen(result.migrations)).toEqual(seen((await discoverMigrations(dir)).migrations));
  });
});
