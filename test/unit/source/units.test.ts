// A layout's unit turned into a MigrationFile (src/source/units.ts), without a directory.
import { describe, expect, it } from "vitest";
import { checksumOf } from "../../../src/core/checksum.js";
import type { Problem } from "../../../src/core/types.js";
import type { LayoutUnit } from "../../../src/source/layouts/layout.js";
import { migrationFromUnit } from "../../../src/source/units.js";

const upText = "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n-- +goose StatementEnd\n";
const downText = "-- +goose Down\nDROP FUNCTION f;\n";

function unit(overrides: Partial<LayoutUnit> = {}): LayoutUnit {
  return {
    version: "20240105120000",
    name: "add_f",
    files: ["sql/20240105120000_add_f.sql", "sql/other.sql"],
    up: {
      file: "sql/20240105120000_add_f.sql",
      text: upText,
      startLine: 1,
      statements: [{ text: "CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql;", line: 3, offset: 37 }],
    },
    down: { file: "sql/other.sql", text: downText, startLine: 1 },
    verify: null,
    ...overrides,
  };
}

const texts = new Map([
  ["sql/20240105120000_add_f.sql", upText],
  ["sql/other.sql", downText],
]);

describe("migrationFromUnit", () => {
  it("checksums the unit's files in order and carries the marked statements", () => {
    const problems: Problem[] = [];
    const migration = migrationFromUnit("/project/db", unit(), texts, problems);
    expect(problems).toEqual([]);
    expect(migration).toEqual({
      version: "20240105120000",
     
      name: "add_f",
      id: "20240105120000_add_f",
      path: "/project/db/sql/20240105120000_add_f.sql",
      kind: "sql",
      files: ["sql/20240105120000_add_f.sql", "sql/other.sql"],
      checksum: checksumOf([upText, downText]),
      up: unit().up,
      down: { file: "sql/other.sql", text: downText, startLine: 1 },
      verify: null,
      options: { dependsOn: [], irreversible: false, requires: [] },
    });
    expect(migration.checksum).not.toBe(checksumOf([downText, upText]));
  });

  it("a dotted version is kept as written, with the id built from it", () => {
    const migration = migrationFromUnit("/db", unit({ version: "2024.01.05.1" }), texts, []);
    expect(migration.version).toBe("2024.01.05.1");
    expect(migration.id.startsWith("2024.01.05.1_")).toBe(true);
  });

  it("no down is a null down (not a declared irreversible); the tool's transaction markers and dependencies are options", () => {
    const migration = migrationFromUnit("/db", unit({ down: null, transaction: false, downTransaction: false, dependsOn: ["appschema"] }), texts, []);
    expect(migration.down).toBeNull();
    expect(migration.options).toEqual({ dependsOn: ["appschema"], transaction: false, downTransaction: false, irreversible: false, requires: [] });
  });

  it("directives come from the script the layout names, numbered as in the file, and add to the tool's", () => {
    const text = "-- +goose Up\n-- stratum:depends 001\n-- stratum:requires postgres>=13\n-- stratum:transacton off\nSELECT 1;\n";
    const up = { file: "a.sql", text, startLine: 10 };
    const problems: Problem[] = [];
    const migration = migrationFromUnit("/db", unit({ up, directivesFrom: up, dependsOn: ["000"] }), texts, problems);
    expect(migration.options.dependsOn).toEqual(["000", "001"]);
    expect(migration.options.requires).toEqual([{ dialect: "postgres", op: ">=", version: "13", source: "a.sql:12" }]);
    expect(problems.map((p) => [p.code, p.files])).toEqual([["BAD_DIRECTIVE", ["a.sql:13"]]]);
  });
});
