import { describe, expect, it } from "vitest";

import { createRedactor, redactUrl } from "../../../src/core/redact.js";
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

describe("createRedactor", () => {
  const awkward = "p@ss:w/o?rd#%&=;'\"\\ é";
  const userinfo = (() => {
    const url = new URL("postgres://h/db");
    url.username = "bob";
    url.password = awkward;
    return url.href;
  })();
  const redact = createRedactor([awkward, "plainsecret"]);

  const texts: readonly (readonly [string, string])[] = [
    ["raw", `the password is ${awkward} ok`],
    ["percent-encoded", `postgres://bob:${encodeURIComponent(awkward)}@h/db`],
    ["percent-encoded, lower-case hex", `postgres://bob:${encodeURIComponent(awkward).toLowerCase()}@h/db`],
    ["WHATWG user-info", userinfo],
    ["form-encoded", `?${new URLSearchParams({ password: awkward }).toString()}`],
    ["JSON-escaped", JSON.stringify({ message: `failed with ${awkward}` })],
    ["JSON in JSON", JSON.stringify({ event: JSON.stringify({ message: awkward }) })],
    ["ASCII-only JSON", JSON.stringify({ m: awkward }).replace(/é/g, "\\u00e9")],
    ["SQL literal", `ALTER USER bob PASSWORD '${awkward.replace(/'/g, "''")}'`],
    ["conninfo", `host=h password='${awkward.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}' dbname=x`],
    ["twice", `${awkward}${awkward}`],
    ["a second secret", "token plainsecret here"],
  ];
  it.each(texts)("removes the secret: %s", (_name, text) => {
    const out = redact(text);
    expect(out).toContain("***");
    for (const fragment of ["w/o?rd", "rd#%", "ss:w", "plainsecret"]) expect(out).not.toContain(fragment);
    expect(out).not.toContain(encodeURIComponent(awkward).slice(0, 12));
  });

  it("keeps the text around the secret", () => {
    expect(redact(`before ${awkward} after`)).toBe("before *** after");
  });

  it("also applies redactUrl for passwords it was not told about", () => {
    expect(redact("postgres://u:other@h/db")).toBe("postgres://u:***@h/db");
  });

  it("ignores empty secrets", () => {
    expect(createRedactor(["", ""])("keep me")).toBe("keep me");
  });

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
