import { describe, expect, it } from "vitest";
import { displayUrl } from "../../../src/dialects/url.js";

/**
 * displayUrl is the one way Stratum shows a database URL: the text as written with the password
 * slot masked, and nothing else changed (so no other part of a message can be garbled by it).
 */
describe("displayUrl: the password slot, and only it, is masked", () => {
  const cases: readonly (readonly [string, string, string])[] = [
    // user info
    ["user and password", "postgres://app:secret@db:5432/app", "postgres://app:***@db:5432/app"],
    ["a one-letter password", "postgres://app:a@db:5432/app", "postgres://app:***@db:5432/app"],
    ["a password equal to the user name", "mysql://root:root@127.0.0.1:3306/root", "mysql://root:***@127.0.0.1:3306/root"],
    ["a password that is a JSON literal", "postgres://u:false@h/false", "postgres://u:***@h/false"],
    ["a user without a password", "postgres://app@db/app", "postgres://app@db/app"],
    ["an empty password", "postgres://app:@db/app", "postgres://app:@db/app"],
    ["no user info", "postgres://db:5432/app", "postgres://db:5432/app"],
    ["an empty user name", "mysql://:pw@h/db", "mysql://:***@h/db"],
    ["an @ in the query, no user info", "postgres://app@db:5432/app?application_name=a@b", "postgres://app@db:5432/app?application_name=a@b"],
    // percent-encoded and unencoded passwords
    ["percent-encoded", "postgres://app:p%40ss%3Aw%2Frd@db/app", "postgres://app:***@db/app"],
    ["unencoded @ : / ? #", "postgres://app:p@ss:w/o?rd#x@db/app", "postgres://app:***@db/app"],
    ["a malformed percent-encoding", "postgres://app:100%@db/app", "postgres://app:***@db/app"],
    // IPv6 hosts
    ["IPv6 with user info", "postgres://app:secret@[::1]:5432/app", "postgres://app:***@[::1]:5432/app"],
    ["IPv6 without user info", "postgres://[2001:db8::1]:5432/app", "postgres://[2001:db8::1]:5432/app"],
    ["IPv6 with a user only", "mysql://root@[::1]:3306/db", "mysql://root@[::1]:3306/db"],
    // query-string secrets: an unencoded password may hold `&`, so everything after it is hidden
    ["?password=", "postgres://app@db/app?password=secret", "postgres://app@db/app?password=***"],
    ["&password= after other parameters", "postgres://db/app?sslmode=require&password=s&x=1", "postgres://db/app?sslmode=require&password=***"],
    ["sslpassword", "postgres://app@db/app?sslcert=c.pem&sslpassword=keypass", "postgres://app@db/app?sslcert=c.pem&sslpassword=***"],
    ["pwd", "mysql://u@h/db?pwd=secret", "mysql://u@h/db?pwd=***"],
    ["both slots", "postgres://u:one@h/db?password=two", "postgres://u:***@h/db?password=***"],
    ["parameters that are not secrets", "postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem", "postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem"],
    // SQLite: no password, every character kept
    ["sqlite relative", "sqlite:./data/app.db", "sqlite:./data/app.db"],
    ["sqlite absolute", "sqlite:/var/lib/app:v2@x.db", "sqlite:/var/lib/app:v2@x.db"],
    ["sqlite URL form", "sqlite:///srv/a:b@c.db", "sqlite:///srv/a:b@c.db"],
    ["sqlite in memory", "sqlite::memory:", "sqlite::memory:"],
    ["file:", "file:./user:pw@x.db", "file:./user:pw@x.db"],
    ["a bare path", "./me:you@here.sqlite3", "./me:you@here.sqlite3"],
    ["a Windows path", "C:\\data\\a@b.db", "C:\\data\\a@b.db"],
    ["sqlite with a secret-looking parameter", "sqlite:./x.db?password=k", "sqlite:./x.db?password=***"],
    // Unix sockets
    ["PostgreSQL socket directory as host", "postgres://app:secret@%2Fvar%2Frun%2Fpostgresql/app", "postgres://app:***@%2Fvar%2Frun%2Fpostgresql/app"],
    ["PostgreSQL ?host= socket", "postgres://app:secret@/app?host=/var/run/postgresql", "postgres://app:***@/app?host=/var/run/postgresql"],
    ["MySQL ?socket=", "mysql://root:secret@localhost/db?socket=/run/mysqld/mysqld.sock", "mysql://root:***@localhost/db?socket=/run/mysqld/mysqld.sock"],
    // not a URL Stratum accepts: still masked
    ["no scheme", "bob:secret@h/db", "bob:***@h/db"],
    ["an unsupported scheme", "oracle://scott:tiger@db/orcl", "oracle://scott:***@db/orcl"],
    ["surrounding spaces", "  postgres://u:pw@h/db  ", "postgres://u:***@h/db"],
    ["empty", "", ""],
  ];
  it.each(cases)("%s", (_name, url, shown) => {
    expect(displayUrl(url)).toBe(shown);
  });
});
