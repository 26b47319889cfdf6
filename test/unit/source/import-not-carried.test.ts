// `stratum import` names the tool's files whose SQL it does not carry over (a Sqitch verify
// script, which Stratum does not run as a verify), and leaves them out of the header's origin line.
import { describe, expect, it } from "vitest";
import type { MigrationFile, SqlScript } from "../../../src/core/types.js";
import { importedMigrations } from "../../../src/source/import.js";

const script = (file: string, text: string): SqlScript => ({ file, text, startLine: 1 });

function change(name: string, withVerify: boolean): MigrationFile {
  const files = [`deploy/${name}.sql`, `revert/${name}.sql`, ...(withVerify ? [`verify/${name}.sql`] : [])];
  return {
    version: "0001",
    name,
    id: `0001_${name}`,
    kind: "sql",
    files,
    path: `/db/deploy/${name}.sql`,
    checksum: "x",
    up: script(`deploy/${name}.sql`, "CREATE TABLE users (id INT);\n"),
    down: script(`revert/${name}.sql`, "DROP TABLE users;\n"),
    verify: null,
    options: { dependsOn: [], irreversible: false, requires: [] },
  };
}

describe("files not carried over", () => {
  it("a verify script that is not run is listed apart, not as a source of the written file", () => {
    const [imported] = importedMigrations([change("create_users", true)], "sqitch");
    expect(imported?.notCarried).toEqual(["verify/create_users.sql"]);
    expect(imported?.fromFiles).toEqual(["deploy/create_users.sql", "revert/create_users.sql"]);
    expect(imported?.files[0]?.text.split("\n")[0]).toBe("-- Imported from sqitch: deploy/create_users.sql, revert/create_users.sql");
  });

  it("nothing is listed when every file's SQL is carried", () => {
    const [imported] = importedMigrations([change("create_users", false)], "sqitch");
    expect(imported?.notCarried).toEqual([]);
  });
});
