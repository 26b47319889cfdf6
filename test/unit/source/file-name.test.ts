import { describe, expect, it } from "vitest";
import type { Problem } from "../../../src/core/types.js";
import { isMigrationCandidate, parseFileName, slugify } from "../../../src/source/file-name.js";
import { isProblem } from "../../../src/source/problem.js";

describe("parseFileName: good names", () => {
  it.each([
    ["001_create_users.sql", { version: "001", name: "create_users", part: null, ext: "sql", kind: "sql" }],
    ["1_a.sql", { version: "1", name: "a", part: null, ext: "sql", kind: "sql" }],
    ["20261121093000_add_index.ts", { version: "20261121093000", name: "add_index", part: null, ext: "ts", kind: "code" }],
    ["002_add-orders.up.sql", { version: "002", name: "add-orders", part: "up", ext: "sql", kind: "sql" }],
    ["002_add-orders.down.sql", { version: "002", name: "add-orders", part: "down", ext: "sql", kind: "sql" }],
    ["010_backfill_2024.mts", { version: "010", name: "backfill_2024", part: null, ext: "mts", kind: "code" }],
    ["011_seed.js", { version: "011", name: "seed", part: null, ext: "js", kind: "code" }],
    ["012_seed.mjs", { version: "012", name: "seed", part: null, ext: "mjs", kind: "code" }],
    ["0_init.sql", { version: "0", name: "init", part: null, ext: "sql", kind: "sql" }],
    ["003_004_two_numbers.sql", { version: "003", name: "004_two_numbers", part: null, ext: "sql", kind: "sql" }],
    [
      "123456789012345678901234567890_huge.sql",
      { version: "123456789012345678901234567890", name: "huge", part: null, ext: "sql", kind: "sql" },
    ],
  ])("%s", (fileName, expected) => {
    const parsed = parseFileName(fileName);
    expect(isProblem(parsed)).toBe(false);
    expect(parsed).toEqual({ ...expected, id: `${expected.version}_${expected.name}` });
  });
});

describe("parseFileName: malformed names", () => {
  it.each([
    ["1-create.sql", "the version must be followed by an underscore", "1_create.sql"],
    ["001_Create Users.sql", "the name must be lower-case", "001_create_users.sql"],
    ["abc.sql", "it does not start with a version number", "001_abc.sql"],
    ["create_users.ts", "it does not start with a version number", "001_create_users.ts"],
    ["001.sql", "there is no name after the version", "001_name.sql"],
    ["001_.sql", "there is no name after the version", "001_name.sql"],
    ["001__double.sql", "the name must be lower-case", "001_double.sql"],
    ["001_trailing_.sql", "the name must be lower-case", "001_trailing.sql"],
    ["001_x.SQL", "the extension must be lower-case (.sql)", "001_x.sql"],
    ["001_x.up.ts", "only SQL migrations can be split into .up/.down files", "001_x.ts"],
    ["001_x.UP.sql", ".UP must be lower-case (.up)", "001_x.up.sql"],
    ["001_add.users.sql", "the name must be lower-case", "001_add_users.sql"],
    ["v001_init.sql", "it does not start with a version number", "001_v001_init.sql"],
    ["001_crème.sql", "the name must be lower-case", "001_creme.sql"],
  ])("%s", (fileName, reason, suggestion) => {
    const parsed = parseFileName(fileName);
    expect(isProblem(parsed)).toBe(true);
    const problem = parsed as Problem;
    expect(problem.code).toBe("MALFORMED_NAME");
    expect(problem.severity).toBe("error");
    expect(problem.files).toEqual([fileName]);
    expect(problem.message).toContain(fileName);
    expect(problem.message).toContain(reason);
    expect(problem.fix).toContain(`e.g. ${suggestion}`);
    expect(problem.fix).toMatch(/<version>_<name>/);
  });
});

describe("parseFileName: a dbmate-style name", () => {
  it("points a `<digits>….sql` file Stratum cannot read at the dbmate format (supabase/postgres, jseongnam/hacker-backend)", () => {
    const problem = parseFileName("00000000000000-initial-schema.sql") as Problem;
    expect(problem.fix).toBe(
      'Rename it to <version>_<name>.sql (e.g. 00000000000000_initial-schema.sql), or start its name with "_" to have Stratum ignore it.' +
        ' If these are dbmate\'s files, set "format": "dbmate" in the config instead: that layout reads them as they are.',
    );
    expect((parseFileName("20231104044559_alterPost.sql") as Problem).fix).toContain('set "format": "dbmate"');
    expect((parseFileName("001-x.ts") as Problem).fix).not.toContain("dbmate");
    expect((parseFileName("001-x.SQL") as Problem).fix).not.toContain("dbmate");
    expect((parseFileName("001-x.up.sql") as Problem).fix).not.toContain("dbmate");
  });
});

describe("isMigrationCandidate", () => {
  it.each([
    ["001_create_users.sql", true],
    ["1-create.sql", true],
    ["abc.sql", true],
    ["001_Create Users.sql", true],
    ["helper.ts", true],
    ["001_x.mts", true],
    ["001_x.js", true],
    ["001_x.mjs", true],
    ["001_x.SQL", true],
    ["README.md", false],
    ["notes.txt", false],
    ["001_x.sql.bak", false],
    ["001_x.cjs", true],
    ["001_x.cts", true],
    ["types.d.ts", false],
    ["types.d.mts", false],
    ["types.d.cts", false],
    [".hidden.sql", false],
    ["_helpers.ts", false],
    ["_001_disabled.sql", false],
    [".DS_Store", false],
  ])("%s → %s", (fileName, expected) => {
    expect(isMigrationCandidate(fileName)).toBe(expected);
  });
});

describe("slugify", () => {
  it.each([
    ["Add users table", "add_users_table"],
    ["add-index", "add-index"],
    ["addUsersTable", "add_users_table"],
    ["  --weird__name!!  ", "weird_name"],
    ["Crème brûlée", "creme_brulee"],
    ["v2 API keys", "v2_api_keys"],
    ["already_fine", "already_fine"],
    ["!!!", ""],
  ])("%j → %j", (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});
