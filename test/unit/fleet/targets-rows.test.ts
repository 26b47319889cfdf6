// The rows of a targets query read as a fleet (pure: no database here; the query itself runs in
// test/integration/fleet-targets.test.ts on every dialect).

import { describe, expect, it } from "vitest";

import { targetsFromRows, type RowsContext } from "../../../src/fleet/targets-query.js";
import { errorOf } from "../../support/config-errors.js";

const context: RowsContext = {
  defaultUrl: "postgres://app:s3cret@db.example/app",
  origin: '"targets" in stratum.config.json',
  database: "postgres://ops:***@control/ops",
  baseDir: "/srv/app",
};

describe("targetsFromRows: bad rows", () => {
  it("refuses no rows, naming the query and the control database", () => {
    const error = errorOf(() => targetsFromRows([], context));
    expect(error.message).toBe('the targets query returned no rows ("targets" in stratum.config.json, run on postgres://ops:***@control/ops)');
    expect(error.fix).toBe("Check the query and the control database: it must return one row per target, with a url or a schema column.");
    expect(error.exitCode).toBe(2);
  });

  it("refuses rows without a url or a schema column, naming the columns it got", () => {
    const error = errorOf(() => targetsFromRows([{ id: 1, host: "db1" }], context));
    expect(error.message).toBe(
      'the targets query ("targets" in stratum.config.json) returned the columns id, host; it needs a url column (a database per target) or a schema column (a schema per tenant), and may add name',
    );
    expect(error.fix).toBe("Alias the query's columns: select … as url (or … as schema), … as name.");
  });

  it("refuses a row with neither a url nor a schema", () => {
    expect(errorOf(() => targetsFromRows([{ schema: "a" }, { schema: null }], context)).message).toBe(
      'row 2 of the targets query ("targets" in stratum.config.json) has no schema',
    );
    expect(errorOf(() => targetsFromRows([{ url: "postgres://db/a", schema: null }, { url: " ", schema: null }], context)).message).toBe(
      'row 2 of the targets query ("targets" in stratum.config.json) has no url and no schema',
    );
  });

  it("refuses a value that is not text", () => {
    const error = errorOf(() => targetsFromRows([{ url: { host: "x" } }], context));
    expect(error.message).toBe("row 1 of the targets query has an object in its url column; expected text");
  });

  it("names both rows of a name returned twice", () => {
    const error = errorOf(() => targetsFromRows([{ schema: "a", name: null }, { schema: "b", name: null }, { schema: "c", name: "a" }], context));
    expect(error.message).toBe('the targets query ("targets" in stratum.config.json) returned the target name "a" twice (rows 1 and 3)');
    expect(error.fix).toBe("Return each target once, with a name column that tells them apart (select distinct …).");
  });

  it("names the row of a URL that does not parse, its password hidden", () => {
    const error = errorOf(() => targetsFromRows([{ url: "postgres://db/a" }, { url: "oracle://scott:tiger@db/x" }], context));
    expect(error.message).toMatch(/^unsupported database URL "oracle:\/\/scott:\*\*\*@db\/x" \(from row 2 of the targets query\); use one of /);
    expect(error.message).not.toContain("tiger");
  });

  it("refuses a row whose url names no database to call it by", () => {
    const error = errorOf(() => targetsFromRows([{ url: "postgres://u:pw@db" }], context));
    expect(error.message).toBe('row 1 of the targets query ("targets" in stratum.config.json) has no name, and its url postgres://u:***@db names no database to call it by');
    expect(error.fix).toBe("Return a name column.");
  });

  it("refuses a schema on a kind of database that has none", () => {
    const error = errorOf(() => targetsFromRows([{ url: "sqlite:/data/a.db", schema: "a" }], context));
    expect(error.message).toBe('row 1 of the targets query ("a") has the schema "a", but a sqlite database has no schemas');
  });
});

describe("targetsFromRows: targets", () => {
  it("reads schemas per tenant on the config's server, named after the schema", () => {
    expect(targetsFromRows([{ schema: "tenant_a", name: null }, { schema: "tenant_b", name: "bee" }], context)).toEqual([
      { name: "tenant_a", url: context.defaultUrl, schema: "tenant_a" },
      { name: "bee", url: context.defaultUrl, schema: "tenant_b" },
    ]);
  });

  it("reads URLs, named after their database or file, relative SQLite files against the config's directory; columns in any case", () => {
    expect(
      targetsFromRows(
        [
          { URL: "postgres://u:p@db1/shop", Name: null, SCHEMA: null },
          { URL: "mysql://root@db2/billing", Name: 42, SCHEMA: null },
          { URL: "sqlite:./tenants/acme.db", Name: null, SCHEMA: null },
          { URL: "postgres://u:p@db1/shop", Name: "shop-eu", SCHEMA: "eu" },
        ],
        context,
      ),
    ).toEqual([
      { name: "shop", url: "postgres://u:p@db1/shop" },
      { name: "42", url: "mysql://root@db2/billing" },
      { name: "acme", url: "sqlite:/srv/app/tenants/acme.db" },
      { name: "shop-eu", url: "postgres://u:p@db1/shop", schema: "eu" },
    ]);
  });

  it("reads text returned as bytes and big integers", () => {
    expect(targetsFromRows([{ schema: new TextEncoder().encode("t1"), name: 7n }], context)).toEqual([{ name: "7", url: context.defaultUrl, schema: "t1" }]);
  });

  it("reads 1,000 rows quickly, into plain objects that share the config's URL", () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ schema: `tenant_${i}` }));
    const started = performance.now();
    const fleet = targetsFromRows(rows, context);
    expect(performance.now() - started).toBeLessThan(500);
    expect(fleet).toHaveLength(1000);
    expect(Object.getPrototypeOf(fleet[500])).toBe(Object.prototype);
    expect(fleet[999]).toEqual({ name: "tenant_999", url: context.defaultUrl, schema: "tenant_999" });
  });
});
