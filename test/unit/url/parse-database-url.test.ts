import { describe, expect, it } from "vitest";

import { ConfigError } from "../../../src/core/errors.js";
import { displayUrl, parseDatabaseUrl, resolveDatabaseUrl, type DatabaseUrl } from "../../../src/dialects/url.js";

describe("parseDatabaseUrl: SQLite", () => {
  const cases: readonly (readonly [string, string, boolean, Record<string, string>?])[] = [
    ["sqlite:./stratum.db", "./stratum.db", false],
    ["sqlite:stratum.db", "stratum.db", false],
    ["sqlite:/abs/path.db", "/abs/path.db", false],
    ["sqlite:///abs/path.db", "/abs/path.db", false],
    ["sqlite:////abs/path.db", "/abs/path.db", false],
    // Decision: after sqlite:// the text is a path (SQLite has no host); relative unless it starts with /.
    ["sqlite://relative.db", "relative.db", false],
    ["sqlite://data/app.db", "data/app.db", false],
    ["sqlite:///my%20file.db", "/my file.db", false],
    ["sqlite:./my%20file.db", "./my%20file.db", false],
    ["sqlite:///C:/data/app.db", "C:/data/app.db", false],
    ["SQLITE:./upper.db", "./upper.db", false],
    ["sqlite::memory:", ":memory:", true],
    ["sqlite://:memory:", ":memory:", true],
    [":memory:", ":memory:", true],
    ["file::memory:?cache=shared", ":memory:", true, { cache: "shared" }],
    ["file:./x.db", "./x.db", false],
    ["file:///var/lib/x.db", "/var/lib/x.db", false],
    ["sqlite:./ro.db?mode=ro", "./ro.db", false, { mode: "ro" }],
    ["./data/app.db", "./data/app.db", false],
    ["app.sqlite", "app.sqlite", false],
    ["/var/lib/app.sqlite3", "/var/lib/app.sqlite3", false],
    ["C:\\data\\app.db", "C:\\data\\app.db", false],
    ["  sqlite:./trimmed.db\n", "./trimmed.db", false],
  ];
  const rows = cases.map(([url, filename, memory, params]) => [url, filename, memory, params ?? {}] as const);
  it.each(rows)("%s", (url, filename, memory, params) => {
    expect(parseDatabaseUrl(url)).toEqual({ dialect: "sqlite", filename, memory, params });
  });
});

describe("parseDatabaseUrl: PostgreSQL", () => {
  const base = { dialect: "postgres", host: "localhost", port: 5432, user: undefined, password: undefined, database: undefined, ssl: { mode: "disable" }, params: {} };
  const cases: readonly (readonly [string, Partial<Extract<DatabaseUrl, { dialect: "postgres" }>>])[] = [
    ["postgres://localhost/app", { database: "app" }],
    ["postgresql://bob:secret@db.example.com:6543/app", { host: "db.example.com", port: 6543, user: "bob", password: "secret", database: "app" }],
    ["postgres://bob:p%40ss%3Aw%2Fo%3Frd%23%25@h/app", { host: "h", user: "bob", password: "p@ss:w/o?rd#%", database: "app" }],
    ["postgres://b%C3%B6b:x@h/my%20db", { host: "h", user: "böb", password: "x", database: "my db" }],
    // An unencoded @ in the password: the last @ ends the user-info.
    ["postgres://bob:p@ss@h/app", { host: "h", user: "bob", password: "p@ss", database: "app" }],
    ["postgres://bob@h", { host: "h", user: "bob" }],
    ["postgres://bob:@h/app", { host: "h", user: "bob", database: "app" }],
    ["postgres://[::1]:5433/app", { host: "::1", port: 5433, database: "app" }],
    ["postgres://%2Fvar%2Frun%2Fpostgresql/app", { host: "/var/run/postgresql", socketPath: "/var/run/postgresql", database: "app" }],
    ["postgres:///app?host=/var/run/postgresql", { host: "/var/run/postgresql", socketPath: "/var/run/postgresql", database: "app" }],
    ["postgres://bob:pw@/app?host=%2Ftmp", { host: "/tmp", socketPath: "/tmp", user: "bob", password: "pw", database: "app" }],
    ["postgres://h/app?sslmode=require", { host: "h", database: "app", ssl: { mode: "require" } }],
    ["postgres://h/app?sslmode=VERIFY-FULL&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem", {
      host: "h", database: "app", ssl: { mode: "verify-full", ca: "/etc/ca.pem", cert: "/c.pem", key: "/k.pem" },
    }],
    ["postgres://h/app?sslmode=disable", { host: "h", database: "app", ssl: { mode: "disable" } }],
    ["postgres://h/app?sslmode=verify-ca&sslrootcert=ca.pem", { host: "h", database: "app", ssl: { mode: "verify-ca", ca: "ca.pem" } }],
    ["postgres://h/app?sslrootcert=/ca.pem", { host: "h", database: "app", ssl: { mode: "verify-full", ca: "/ca.pem" } }],
    ["postgres://h/app?ssl=true", { host: "h", database: "app", ssl: { mode: "require" } }],
    ["postgres://h/app?application_name=stratum%20ci&options=-c%20search_path%3Dx&connect_timeout=5", {
      host: "h", database: "app", params: { application_name: "stratum ci", options: "-c search_path=x", connect_timeout: "5" },
    }],
    ["postgres://h/app?application_name=a+b", { host: "h", database: "app", params: { application_name: "a+b" } }],
    ["postgres://h?dbname=other&user=u&password=p%26q&port=5555", { host: "h", port: 5555, database: "other", user: "u", password: "p&q" }],
  ];
  it.each(cases)("%s", (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual({ ...base, ...expected });
  });
});

describe("parseDatabaseUrl: MySQL and MariaDB", () => {
  const base = { dialect: "mysql", flavorHint: "mysql", host: "localhost", port: 3306, user: undefined, password: undefined, database: undefined, ssl: { mode: "DISABLED" }, params: {} };
  const cases: readonly (readonly [string, Partial<Extract<DatabaseUrl, { dialect: "mysql" }>>])[] = [
    ["mysql://root@127.0.0.1/app", { host: "127.0.0.1", user: "root", database: "app" }],
    ["mariadb://root:pw@db:3307/app", { flavorHint: "mariadb", host: "db", port: 3307, user: "root", password: "pw", database: "app" }],
    ["mysql://u:%27%22%5C%20%C3%A9@h/d", { host: "h", user: "u", password: "'\"\\ é", database: "d" }],
    ["mysql://root@localhost/app?socket=/run/mysqld/mysqld.sock", { user: "root", database: "app", socketPath: "/run/mysqld/mysqld.sock" }],
    ["mysql://root@%2Frun%2Fmysqld%2Fmysqld.sock/app", { user: "root", database: "app", socketPath: "/run/mysqld/mysqld.sock" }],
    ["mysql://h/app?ssl-mode=REQUIRED", { host: "h", database: "app", ssl: { mode: "REQUIRED" } }],
    ["mysql://h/app?ssl_mode=verify_identity&ssl-ca=/ca.pem", { host: "h", database: "app", ssl: { mode: "VERIFY_IDENTITY", ca: "/ca.pem" } }],
    ["mysql://h/app?ssl-mode=DISABLED", { host: "h", database: "app", ssl: { mode: "DISABLED" } }],
    ["mysql://h/app?ssl-ca=/ca.pem", { host: "h", database: "app", ssl: { mode: "VERIFY_CA", ca: "/ca.pem" } }],
    ["mysql://h/app?charset=utf8mb4&timezone=Z", { host: "h", database: "app", params: { charset: "utf8mb4", timezone: "Z" } }],
  ];
  it.each(cases)("%s", (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual({ ...base, ...expected });
  });
});

describe("parseDatabaseUrl: errors never show the password", () => {
  const cases: readonly (readonly [string, string, string])[] = [
    // url, what the message says, the secret that must not appear
    ["oracle://scott:tiger@db/orcl", 'unsupported database URL "oracle://scott:***@db/orcl"', "tiger"],
    ["redis://localhost", "unsupported database URL", ""],
    ["localhost:5432", "unsupported database URL", ""],
    ["just-a-name", "unsupported database URL", ""],
    ["", "is empty", ""],
    ["postgres:bob:hunter2@h/db", "cannot parse the database URL", "hunter2"],
    ["postgres://bob:hun/ter2@h/db", "cannot parse the database URL", "hun/ter2"],
    ["postgres://bob:hun#ter2@h/db", "must be percent-encoded", "ter2"],
    ["postgres://bob:123#ter2@h/db", "# (a password with # must be percent-encoded", "ter2"],
    ["postgres://bob:pw%zz@h/db", "the password in the database URL", "pw%zz"],
    ["postgres://bob:s3cret@h:99999/db", "cannot parse the database URL", "s3cret"],
    ["postgres://bob:s3cret@h1,h2/db", "several hosts", "s3cret"],
    ["postgres://bob:s3cret@h/db?sslmode=sometimes", 'unsupported sslmode "sometimes"', "s3cret"],
    ["mysql://bob:s3cret@h/db?ssl-mode=MAYBE", 'unsupported ssl-mode "MAYBE"', "s3cret"],
    ["mysql://bob:s3cret@h/db?ssl=perhaps", "invalid ssl=perhaps", "s3cret"],
    ["sqlite:", "names no file", ""],
  ];
  it.each(cases)("%s", (url, says, secret) => {
    let error: unknown;
    try {
      parseDatabaseUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(says);
    if (secret !== "") expect(message).not.toContain(secret);
    expect((error as ConfigError).code).toBe("CONFIG_INVALID");
  });

  it("lists the supported forms and names the origin", () => {
    expect(() => parseDatabaseUrl("oracle://x", "STRATUM_URL")).toThrow(
      /unsupported database URL "oracle:\/\/x" \(from STRATUM_URL\); use one of sqlite:\.\/file\.db, sqlite::memory:, postgres:\/\/.*mysql:\/\//,
    );
  });
});

describe("displayUrl", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["postgres://bob:secret@h:5432/db", "postgres://bob:***@h:5432/db"],
    ["postgres://bob:p%40ss@h/db", "postgres://bob:***@h/db"],
    ["postgres://bob:p@ss@h/db", "postgres://bob:***@h/db"],
    ["postgres://bob:p/a?s#s@h/db", "postgres://bob:***@h/db"],
    ["postgres://bob:pa ss@h/db", "postgres://bob:***@h/db"],
    ["mysql://:secret@h/db", "mysql://:***@h/db"],
    ["postgres://bob@h/db", "postgres://bob@h/db"],
    ["postgres://bob:@h/db", "postgres://bob:@h/db"],
    ["postgres://h:5432/db", "postgres://h:5432/db"],
    // a query-string password may be unencoded and hold `&`: everything after it is hidden
    ["postgres://h/db?password=secret&sslmode=require", "postgres://h/db?password=***"],
    ["mysql://u@h/db?pwd=secret", "mysql://u@h/db?pwd=***"],
    ["bob:secret@h/db", "bob:***@h/db"],
    ["postgres:bob:secret@h/db", "postgres:***@h/db"],
    ["oracle://scott:tiger@db/orcl", "oracle://scott:***@db/orcl"],
    ["sqlite:./a@b.db", "sqlite:./a@b.db"],
    ["sqlite::memory:", "sqlite::memory:"],
    ["", ""],
  ];
  it.each(cases)("%s → %s", (url, shown) => {
    expect(displayUrl(url)).toBe(shown);
  });
});

describe("resolveDatabaseUrl", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["sqlite:./app.db", "sqlite:/base/dir/app.db"],
    ["sqlite:app.db", "sqlite:/base/dir/app.db"],
    ["sqlite://rel/app.db", "sqlite:/base/dir/rel/app.db"],
    ["sqlite:../up.db", "sqlite:/base/up.db"],
    ["sqlite:./ro.db?mode=ro", "sqlite:/base/dir/ro.db?mode=ro"],
    ["file:./x.db", "sqlite:/base/dir/x.db"],
    ["./bare.sqlite", "sqlite:/base/dir/bare.sqlite"],
    ["./odd?name%.db", "sqlite:///base/dir/odd%3Fname%25.db"],
    ["sqlite:/abs/app.db", "sqlite:/abs/app.db"],
    ["sqlite:///abs/app.db", "sqlite:///abs/app.db"],
    ["sqlite::memory:", "sqlite::memory:"],
    ["postgres://u:p@h/db", "postgres://u:p@h/db"],
  ];
  it.each(cases)("%s → %s", (url, resolved) => {
    expect(resolveDatabaseUrl(url, "/base/dir")).toBe(resolved);
  });

  it("keeps the file name through a round trip", () => {
    const resolved = resolveDatabaseUrl("./odd?name%.db", "/base/dir");
    expect(parseDatabaseUrl(resolved)).toMatchObject({ dialect: "sqlite", filename: "/base/dir/odd?name%.db" });
  });
});
