// What each dialect tells a fleet about a URL (registry readTargetUrl): the URL made absolute, the
// database it names (a target's default name) and where a tenant named by a schema lives.

import { describe, expect, it } from "vitest";

import { parseDatabaseUrl, readTargetUrl } from "../../../src/dialects/registry.js";

const databaseNameOf = (url: string) => readTargetUrl(url, "/srv").database;
const placeTenant = (url: string, schema: string) => {
  const read = readTargetUrl(url, "/srv");
  return read.place(schema) ?? { unsupported: read.noSchemas };
};

describe("readTargetUrl: the database", () => {
  const cases: readonly (readonly [string, string | undefined])[] = [
    ["postgres://u:p@db:5432/shop", "shop"],
    ["postgresql://u@db/shop?dbname=other", "other"],
    ["postgres://u@db", undefined],
    ["mysql://root@db:3306/billing", "billing"],
    ["mariadb://root@db/?database=crm", "crm"],
    ["sqlite:/data/tenants/acme.db", "acme"],
    ["sqlite:./acme.sqlite3", "acme"],
    ["/data/edge.db", "edge"],
    ["sqlite::memory:", undefined],
  ];
  it.each(cases)("%s", (url, name) => {
    expect(databaseNameOf(url)).toBe(name);
  });
});

describe("readTargetUrl: where a tenant lives", () => {
  it("PostgreSQL: the same URL, the tenant's schema", () => {
    expect(placeTenant("postgres://u:p@db/app", "tenant_a")).toEqual({ url: "postgres://u:p@db/app", schema: "tenant_a" });
  });

  const mysqlCases: readonly (readonly [string, string, string])[] = [
    ["mysql://root@db:3306/control", "tenant_a", "mysql://root@db:3306/tenant_a"],
    ["mysql://root@db:3306", "tenant_a", "mysql://root@db:3306/tenant_a"],
    ["mysql://root@db/", "t", "mysql://root@db/t"],
    ["mysql://ro%2Fot:p%40ss@db/control?ssl-mode=DISABLED&Database=x&connect_timeout=3", "t b", "mysql://ro%2Fot:p%40ss@db/t%20b?ssl-mode=DISABLED&connect_timeout=3"],
    ["mariadb://root@%2Frun%2Fmysqld%2Fmysqld.sock/control", "t", "mariadb://root@%2Frun%2Fmysqld%2Fmysqld.sock/t"],
  ];
  it.each(mysqlCases)("MySQL: %s → the database %s in the URL", (url, schema, placed) => {
    const place = placeTenant(url, schema);
    expect(place).toEqual({ url: placed });
    // and the dialect reads it as that database
    expect((parseDatabaseUrl(placed) as { database?: string }).database).toBe(schema);
  });

  it("SQLite: no schemas", () => {
    expect(placeTenant("sqlite:./a.db", "t")).toEqual({ unsupported: "a sqlite database has no schemas" });
  });
});

describe("readTargetUrl: the URL", () => {
  it("makes a relative SQLite file absolute against the base directory; server URLs stay as written", () => {
    expect(readTargetUrl(" sqlite:./t/a.db ", "/srv").url).toBe("sqlite:/srv/t/a.db");
    expect(readTargetUrl("postgres://u:p@db/app", "/srv").url).toBe("postgres://u:p@db/app");
  });

  it("names where a URL that does not parse came from, its password hidden", () => {
    expect(() => readTargetUrl("ftp://u:hunter2@x/y", "/srv", 'target "eu"')).toThrow(/^unsupported database URL "ftp:\/\/u:\*\*\*@x\/y" \(from target "eu"\)/);
  });
});
