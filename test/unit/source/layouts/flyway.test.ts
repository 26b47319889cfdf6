import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverMigrations } from "../../../../src/source/discover.js";
import { flywayLayout as layout } from "../../../../src/source/layouts/flyway.js";
import { FIXTURES, inline, listing, pathsUnder } from "./listing.js";

const DIR = join(FIXTURES, "flyway");

describe("Flyway layout on a sample project", () => {
  const result = layout.read(listing(layout, DIR), "postgres");
  const unit = (version: string) => result.units.find((u) => u.version === version);

  it("reads versioned migrations, in version order part by part, with their undo files", () => {
    expect(result.units.map((u) => [u.version, u.name, u.files])).toEqual([
      ["1", "create_users", ["V1__Create_users.sql", "U1__Create_users.sql"]],
      ["1.1", "add_email_index", ["V1.1__Add_email_index.sql"]],
      ["2", "touch_function", ["V2__touch_function.sql"]],
      ["2_1", "placeholder", ["V2_1__Placeholder.sql", "U2_1__Placeholder.sql"]],
      ["2024.01.05.1", "backfill_display_names", ["data/V2024.01.05.1__Backfill_display_names.sql"]],
    ]);
  });

  it("refuses the repeatable migration and warns about the callback, by name", () => {
    expect(result.problems.map((p) => [p.code, p.severity, p.files, p.message])).toEqual([
      ["BAD_DIRECTIVE", "warning", ["afterMigrate.sql"], "afterMigrate.sql is a Flyway callback, which Stratum does not run."],
      ["BAD_DIRECTIVE", "error", ["R__user_emails_view.sql"],
        "R__user_emails_view.sql is a Flyway repeatable migration (re-run whenever it changes); Stratum runs each migration once, so it does not run repeatables."],
    ]);
    expect(result.problems[1]?.fix).toBe(
      "Rename it to V2024.01.05.2__user_emails_view.sql to run it once after the others (later changes then go in new versioned files), or move it out of the migrations directory.",
    );
  });

  // Shown by top-leader-cz/top-leader-be and asadanaooki/ecommerce_rest (an R__views.sql each):
  // the refusal named no version, so the user had to work out which one comes after the others.
  it("names, for each repeatable, the versioned file it could become: the next versions, in Flyway's order, in its folder", () => {
    const { problems } = layout.read(
      inline({
        "V1_9__a.sql": "SELECT 1;",
        "V1_10__b.sql": "SELECT 2;",
        "views/R__views.sql": "CREATE VIEW v AS SELECT 1;",
        "R__functions.sql": "SELECT 3;",
      }),
      "postgres",
    );
    expect(problems.map((p) => [p.files, p.severity, p.fix])).toEqual([
      [["R__functions.sql"], "error", expect.stringMatching(/^Rename it to V1_11__functions\.sql to run it once after the others/)],
      [["views/R__views.sql"], "error", expect.stringMatching(/^Rename it to views\/V1_12__views\.sql to run it once after the others/)],
    ]);
    const alone = layout.read(inline({ "R__seed.sql": "SELECT 1;" }), "postgres").problems;
    expect(alone.map((p) => p.fix)).toEqual([expect.stringMatching(/^Rename it to V1__seed\.sql /)]);
  });

  it("gives whole files as scripts, the undo file as the down", () => {
    expect(unit("1")?.up).toEqual({
      file: "V1__Create_users.sql",
      text: "CREATE TABLE users (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL,\n  display_name text\n);\n",
      startLine: 1,
    });
    expect(unit("1")?.down).toEqual({ file: "U1__Create_users.sql", text: "DROP TABLE users;\n", startLine: 1 });
    expect(unit("2")?.up?.text).toContain("$$ LANGUAGE plpgsql;");
    expect(unit("2")?.up?.statements).toBeUndefined();
    expect(unit("2")?.down).toBeNull();
  });

  it("says where the undo file of a migration without one would go", () => {
    expect(unit("2")?.downHint).toBe("an undo file U2__touch_function.sql");
    expect(unit("2024.01.05.1")?.downHint).toBe("an undo file data/U2024.01.05.1__Backfill_display_names.sql");
    expect(unit("1")?.downHint).toBeUndefined();
  });

  it("an empty migration is a no-op, an empty undo file an explicit no-op down", () => {
    expect(unit("2_1")?.up).toEqual({ file: "V2_1__Placeholder.sql", text: "", startLine: 1 });
    expect(unit("2_1")?.down).toEqual({ file: "U2_1__Placeholder.sql", text: "", startLine: 1 });
  });

  it("reads executeInTransaction=false from the script's .sql.conf", () => {
    expect(unit("1.1")).toMatchObject({ transaction: false });
    expect(unit("1.1")?.up?.text).toBe("CREATE INDEX CONCURRENTLY users_email ON users (email);\n");
    expect(unit("1")).not.toHaveProperty("transaction");
  });

  it("is detected by its V<version>__ names, which Stratum's names cannot be", () => {
    expect(layout.detect(pathsUnder(DIR))).toBe(true);
    expect(layout.detect(["001_create_users.sql", "002_x.up.sql", "002_x.down.sql", "003_y.ts"])).toBe(false);
  });
});

describe("Flyway problems", () => {
  it("reports an undo file without its migration and a placeholder with its line", () => {
    const { units, problems } = layout.read(
      inline({ "V1__a.sql": "CREATE TABLE a (id int);\nCREATE SCHEMA ${schema_name};\n", "U3__c.sql": "DROP TABLE c;" }),
      "postgres",
    );
    expect(units.map((u) => u.version)).toEqual(["1"]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([
      ["BAD_DIRECTIVE", ["V1__a.sql:2"]],
      ["MISSING_FILE", ["U3__c.sql"]],
    ]);
    expect(problems[0]?.message).toContain('"${schema_name}"');
    expect(problems[0]?.fix).toBe(
      "Write its value in its place: the one given as flyway.placeholders.schema_name (flyway.conf), under [flyway.placeholders] (flyway.toml) or as spring.flyway.placeholders.schema_name (Spring Boot).",
    );
  });

  // Shown by top-leader-cz/top-leader-be: a v1.0.0.3__x.sql beside a V1.0.0.3__y.sql. Flyway skips
  // the lowercase one; the warning said only "not a Flyway migration name".
  it("warns that a lowercase v or u prefix is skipped, and which name would run the file", () => {
    const { units, problems } = layout.read(
      inline({ "V1.1__a.sql": "SELECT 1;", "v1.1__b.sql": "SELECT 2;", "v2__c.sql": "SELECT 3;", "u1.1__a.sql": "SELECT 4;" }),
      "postgres",
    );
    expect(units.map((u) => [u.version, u.files])).toEqual([["1.1", ["V1.1__a.sql"]]]);
    expect(problems.map((p) => [p.code, p.severity, p.files, p.message, p.fix])).toEqual([
      ["MALFORMED_NAME", "warning", ["v1.1__b.sql"], 'v1.1__b.sql starts with a lowercase "v", and Flyway reads only "V", so Flyway skips it, and Stratum does too.',
        "To run it, give it a version of its own (V1.1__a.sql has 1.1): V<version>__b.sql; or move it out of the migrations directory."],
      ["MALFORMED_NAME", "warning", ["v2__c.sql"], 'v2__c.sql starts with a lowercase "v", and Flyway reads only "V", so Flyway skips it, and Stratum does too.',
        "Rename it to V2__c.sql to run it, or move it out of the migrations directory."],
      ["MALFORMED_NAME", "warning", ["u1.1__a.sql"], 'u1.1__a.sql starts with a lowercase "u", and Flyway reads only "U", so Flyway skips it, and Stratum does too.',
        "Rename it to U1.1__a.sql to run it, or move it out of the migrations directory."],
    ]);
  });

  // Shown by Civil-Service-Human-Resources/lpg-learner-record (db/migration/h2 and db/migration/mysql):
  // "dir" at db/migration gave one DUPLICATE_VERSION per version, each telling to renumber a file.
  it("one problem for folders that repeat each other's versions: one set per database, point dir at one", () => {
    const { problems } = layout.read(
      inline({
        "h2/V1__a.sql": "SELECT 1;", "h2/V1.1__b.sql": "SELECT 1;", "h2/V2__c.sql": "SELECT 1;", "h2/V3__d.sql": "SELECT 1;",
        "pg/V1__a.sql": "SELECT 1;", "pg/V1_1__b.sql": "SELECT 1;", "pg/V2__c.sql": "SELECT 1;", "pg/V3__d.sql": "SELECT 1;",
        "pg/more/V4__e.sql": "SELECT 1;", "pg/more/V4__f.sql": "SELECT 1;",
      }),
      "postgres",
    );
    expect(problems.map((p) => [p.code, p.files, p.message, p.fix])).toEqual([
      ["DUPLICATE_VERSION", ["pg/more/V4__f.sql"], expect.stringContaining("pg/more/V4__e.sql and pg/more/V4__f.sql have the same version"), expect.any(String)],
      ["DUPLICATE_VERSION", ["h2/", "pg/"],
        "h2/ and pg/ hold migrations of the same versions (1, 1_1, 2, … (4 in all)): they look like one set per database, as Flyway's db/migration/{vendor} locations have it, and Stratum reads every folder under its directory.",
        'Point "dir" in stratum.config.json at the one folder for the database you run (h2/ or pg/ of the directory it names now); if they are one set, give each migration a version of its own.'],
    ]);
    // its versions, in every spelling, so the planner does not report each of them again
    expect(problems[1]?.versions).toEqual(["1", "1.1", "1_1", "2", "3"]);
  });

  it("through discovery, each duplicate is said once: by the layout, not again as a bare version", async () => {
    const root = await mkdtemp(join(tmpdir(), "stratum-flyway-dup-"));
    try {
      const put = async (path: string) => {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await writeFile(join(root, path), "SELECT 1;\n");
      };
      for (const path of ["h2/V1__a.sql", "h2/V2__b.sql", "pg/V1__a.sql", "pg/V2__b.sql", "pg/V3__c.sql", "pg/V3__d.sql"]) await put(path);
      const { problems } = await discoverMigrations(root, { format: "flyway" });
      expect(problems.map((p) => [p.code, p.files])).toEqual([
        ["DUPLICATE_VERSION", ["pg/V3__d.sql"]],
        ["DUPLICATE_VERSION", ["h2/", "pg/"]],
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  // Real projects write `ALTER TABLE ${flyway:defaultSchema}.t …`: Flyway fills its built-in
  // placeholders itself, so the user has no placeholders setting to look the value up in.
  it("says what to write in place of Flyway's built-in placeholders", () => {
    const { problems } = layout.read(
      inline({
        "sub/V1__a.sql": "ALTER TABLE ${flyway:defaultSchema}.t ADD c int;\nINSERT INTO log VALUES ('${flyway:filename}');\n",
      }),
      "postgres",
    );
    expect(problems.map((p) => [p.files, p.fix])).toEqual([
      [["sub/V1__a.sql:1"], expect.stringContaining("the connection's default schema (public on PostgreSQL, the database itself on MySQL/MariaDB)")],
      [["sub/V1__a.sql:2"], "Write V1__a.sql in its place."],
    ]);
  });

  it("pairs an undo file written with underscores with a dotted version", () => {
    const { units, problems } = layout.read(inline({ "V1.2__a.sql": "SELECT 1;", "U1_2__a.sql": "SELECT 2;" }), "postgres");
    expect(problems).toEqual([]);
    expect(units[0]?.files).toEqual(["V1.2__a.sql", "U1_2__a.sql"]);
  });

  it("warns about a SQL file that fits no Flyway name and a bad executeInTransaction", () => {
    const { problems } = layout.read(
      inline({ "V1__a.sql": "SELECT 1;", "V1__a.sql.conf": "executeInTransaction=maybe\n", "seed.sql": "SELECT 2;" }),
      "postgres",
    );
    expect(problems.map((p) => [p.code, p.severity, p.files])).toEqual([
      ["MALFORMED_NAME", "warning", ["seed.sql"]],
      ["BAD_DIRECTIVE", "error", ["V1__a.sql.conf:1"]],
    ]);
  });

  it("reports two migrations of one version written differently", () => {
    const { problems } = layout.read(inline({ "V1_1__a.sql": "SELECT 1;", "V1.1.0__b.sql": "SELECT 2;" }), "postgres");
    expect(problems.map((p) => [p.code, p.files])).toEqual([["DUPLICATE_VERSION", ["V1.1.0__b.sql"]]]);
    expect(problems[0]?.message).toBe("V1_1__a.sql and V1.1.0__b.sql have the same version (1_1 and 1.1.0 are equal part by part).");
  });
});
