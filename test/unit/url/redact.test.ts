import { describe, expect, it } from "vitest";

import { printableDriverError, redactUrl } from "../../../src/text/redact.js";
import { ConfigError } from "../../../src/core/errors.js";
import { parseDatabaseUrl } from "../../../src/dialects/url.js";

describe("redactUrl", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["connecting to postgres://bob:secret@db:5432/app", "connecting to postgres://bob:***@db:5432/app"],
    ["mysql://root:pw@h/x and postgres://u:pw2@h2/y", "mysql://root:***@h/x and postgres://u:***@h2/y"],
    ["(postgres://bob:p@ss@h/db)", "(postgres://bob:***@h/db)"],
    ["postgres://bob:p/ss#x@h/db", "postgres://bob:***@h/db"],
    ["postgres://bob@h/db", "postgres://bob@h/db"],
    ["postgres://h:5432/db", "postgres://h:5432/db"],
    ["postgres://bob:@h/db", "postgres://bob:@h/db"],
    ["postgres://h/db?user=bob&password=secret&sslmode=require", "postgres://h/db?user=bob&password=***&sslmode=require"],
    ["mysql://h/db?pwd=secret", "mysql://h/db?pwd=***"],
    ["host=h port=5432 password=secret dbname=app", "host=h port=5432 password=*** dbname=app"],
    ["host=h password='with space \\' quote' dbname=app", "host=h password='***' dbname=app"],
    ['{"user":"bob","password":"se\\"cret","host":"h"}', '{"user":"bob","password":"***","host":"h"}'],
    ["PGPASSWORD=secret psql", "PGPASSWORD=*** psql"],
    ["MYSQL_PWD=secret mysql", "MYSQL_PWD=*** mysql"],
    ["Password=secret;Server=h", "Password=***;Server=h"],
    ["passwordFile=/run/secrets/db", "passwordFile=/run/secrets/db"],
    ['password authentication failed for user "bob"', 'password authentication failed for user "bob"'],
    ["no secrets here", "no secrets here"],
  ];
  it.each(cases)("%s", (text, expected) => {
    expect(redactUrl(text)).toBe(expected);
  });

  const jsonLines: readonly Record<string, string>[] = [
    { url: "postgres://bob:secret@h/db", next: "a@b" },
    { url: 'postgres://bob:se"cr@et@h/db', next: "x" },
    { message: "connect with password=secret failed", next: "y" },
    { message: 'password=se"cret', next: "z" },
    { password: "secret", next: "w" },
  ];
  it.each(jsonLines)("keeps an NDJSON line valid JSON: %j", (line) => {
    const out = redactUrl(JSON.stringify(line));
    const parsed = JSON.parse(out) as Record<string, string>;
    expect(parsed["next"]).toBe(line["next"]);
    expect(out).not.toMatch(/secret|se\\"cr/);
  });
});

describe("printableDriverError", () => {
  it("keeps the name, the identifying fields and the stack frames; masks URL credentials in the text", () => {
    const error = Object.assign(new Error("could not reach postgres://bob:secret@h/db\n  in two lines"), { code: "ECONNREFUSED", errno: -111, hostile: "secret" });
    const copy = printableDriverError(error, { withText: true });
    expect(copy.message).toBe("could not reach postgres://bob:***@h/db in two lines");
    expect(copy).toMatchObject({ name: "Error", code: "ECONNREFUSED", errno: -111 });
    expect((copy as unknown as Record<string, unknown>)["hostile"]).toBeUndefined();
    expect(copy.stack?.split("\n")[0]).toBe("Error: could not reach postgres://bob:***@h/db in two lines");
    expect(copy.stack?.split("\n").slice(1).every((line) => /^\s+at /.test(line))).toBe(true);
    expect(copy.stack).not.toContain("secret");
  });

  it("without the server's text: an answer to the credentials may echo them", () => {
    const error = Object.assign(new Error('password authentication failed: got "hunter2"'), { code: "28P01" });
    const copy = printableDriverError(error, { withText: false });
    expect(copy.message).toBe("(the server's text is not shown)");
    expect(copy).toMatchObject({ code: "28P01" });
    expect(copy.stack).not.toContain("hunter2");
  });
});

describe("parse errors show the URL through displayUrl", () => {
  const awkward = "p@ss:w/o?rd#%&=;'\"\\ é";
  it("keeps an unparsable URL's awkward password out of the parse error", () => {
    const url = `postgres://bob:${awkward}@db.example.com/app`;
    let message = "";
    try {
      parseDatabaseUrl(url);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain("postgres://bob:***@db.example.com/app");
    for (const fragment of ["w/o?rd", "rd#", "é"]) expect(message).not.toContain(fragment);
  });
});
