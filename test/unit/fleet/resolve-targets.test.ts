// resolveTargets over the list form, from a real config file, and configForTarget: the config one
// target runs with. (The file form: targets-file.test.ts; the query form: test/integration.)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { resolveConfig } from "../../../src/config/load.js";
import type { ResolvedConfig } from "../../../src/config/types.js";
import { useVocabulary } from "../../../src/core/vocabulary.js";
import { configForTarget, loadTargets, resolveTargets } from "../../../src/fleet/targets.js";
import { rejection } from "../../support/config-errors.js";

useVocabulary(cliVocabulary);

const root = mkdtempSync(join(tmpdir(), "stratum-resolve-targets-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

async function configWith(settings: unknown, name = "stratum.config.json"): Promise<{ config: ResolvedConfig; dir: string }> {
  const dir = join(root, `p${++counter}`);
  mkdirSync(dir, { recursive: true });
  if (settings !== undefined) writeFileSync(join(dir, name), JSON.stringify(settings, null, 2));
  const config = await resolveConfig({ cwd: dir, flags: {}, environment: {} });
  return { config, dir };
}

const ALL = { patterns: [], all: true } as const;
const PG = "postgres://app:s3cret@db.example:5432/app";

describe("resolveTargets: bad input", () => {
  it("says how to configure targets when --target is given without them", async () => {
    const { config } = await configWith({ url: PG });
    const error = await rejection(resolveTargets(config, { patterns: ["eu"], all: false }));
    expect(error.message).toBe('--target runs on the targets of the "targets" setting, and stratum.config.json has none');
    expect(error.fix).toBe(
      'Add "targets" to stratum.config.json: a list such as [{ "name": "eu", "url": "postgres://…" }], { "file": "targets.json" }, or { "query": "select … as url from tenants" } (see docs/fleets.md).',
    );
    expect(error.key).toBe("targets");
    expect(error.exitCode).toBe(2);
  });

  it("says so for --all-targets without a config file", async () => {
    const { config } = await configWith(undefined);
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe('--all-targets runs on the targets of the "targets" setting, and there is no config file');
  });

  it("refuses a selection that chooses nothing, with the fleet's names as the example", async () => {
    const { config } = await configWith({ url: PG, targets: [{ name: "acme", schema: "acme" }] });
    const error = await rejection(resolveTargets(config, { patterns: [], all: false }));
    expect(error.message).toBe("no targets chosen: pass --target <name|glob> (repeatable) or --all-targets");
    expect(error.fix).toBe("Pass --target acme for one target, --target 'acme*' for a group, or --all-targets for every one.");
  });

  it("names the closest targets of a name that matches none", async () => {
    const { config } = await configWith({ url: PG, targets: [{ name: "acme", schema: "acme" }, { name: "globex", schema: "globex" }] });
    const error = await rejection(resolveTargets(config, { patterns: ["acne"], all: false }));
    expect(error.message).toBe('--target "acne" matches no target in "targets" in stratum.config.json; did you mean "acme"?');
  });

  it("names the target whose URL does not parse, its password hidden", async () => {
    const { config } = await configWith({ url: PG, targets: [{ name: "eu", url: "postgres://u:hunter2@db/eu" }, { name: "us", url: "mongodb://u:hunter2@db/us" }] });
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toMatch(/^unsupported database URL "mongodb:\/\/u:\*\*\*@db\/us" \(from target "us" of "targets" in stratum.config.json\); use one of /);
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses a schema per tenant on SQLite, naming the target", async () => {
    const { config } = await configWith({ url: "sqlite:./app.db", targets: [{ name: "acme", schema: "acme" }] });
    const error = await rejection(resolveTargets(config, ALL));
    expect(error.message).toBe('target "acme" of "targets" in stratum.config.json has the schema "acme", but a sqlite database has no schemas');
    expect(error.fix).toBe("Give the target a url of its own and no schema.");
  });

  it("refuses a name used twice in a list built in code", async () => {
    const { config } = await configWith({ url: PG });
    const built = { ...config, targets: [{ name: "a", schema: "a" }, { name: "a", schema: "b" }], origins: { targets: "the migrator option targets" } };
    const error = await rejection(resolveTargets(built, ALL));
    expect(error.message).toBe('the target name "a" is used twice in the migrator option targets');
  });
});

describe("resolveTargets: the list form", () => {
  it("gives each entry without a url the config's, keeps the config's order, and chooses by name and glob", async () => {
    const { config, dir } = await configWith({
      url: PG,
      targets: [
        { name: "eu-2", schema: "eu_2" },
        { name: "eu-1", schema: "eu_1" },
        { name: "local", url: "sqlite:./local.db" },
        { name: "us-1", url: "mysql://root@127.0.0.1:3306/us1" },
      ],
    });
    expect(await loadTargets(config)).toEqual([
      { name: "eu-2", url: PG, schema: "eu_2" },
      { name: "eu-1", url: PG, schema: "eu_1" },
      { name: "local", url: `sqlite:${join(dir, "local.db")}` },
      { name: "us-1", url: "mysql://root@127.0.0.1:3306/us1" },
    ]);
    const chosen = await resolveTargets(config, { patterns: ["us-1", "eu-*", "eu-1"], all: false });
    expect(chosen.map((target) => target.name)).toEqual(["eu-2", "eu-1", "us-1"]);
  });

  it("resolves 1,000 listed targets in a few milliseconds", async () => {
    const targets = Array.from({ length: 1000 }, (_, i) => ({ name: `tenant-${i}`, schema: `tenant_${i}` }));
    const { config } = await configWith({ url: PG, targets });
    const started = performance.now();
    const fleet = await resolveTargets(config, ALL);
    const ms = performance.now() - started;
    expect(fleet).toHaveLength(1000);
    expect(ms).toBeLessThan(500);
  });
});

describe("configForTarget", () => {
  it("PostgreSQL: a tenant's schema becomes the config's schema, and messages name the target", async () => {
    const { config } = await configWith({ url: PG, schema: "ops", targets: [{ name: "acme", schema: "tenant_acme" }] });
    const [target] = await loadTargets(config);
    const tenant = configForTarget(config, target!);
    expect(tenant.url).toBe(PG);
    expect(tenant.schema).toBe("tenant_acme");
    expect(tenant.origins?.schema).toBe('target "acme"');
    expect(tenant.origins?.url).toBe('target "acme"');
    // one connection per target, no schema file; the rest is the fleet's configuration
    expect(tenant.oneSession).toBe(true);
    expect(tenant.schemaFile).toBeUndefined();
    const { oneSession: _oneSession, ...rest } = tenant;
    expect({ ...rest, schema: config.schema, origins: config.origins }).toEqual(config);
  });

  it("PostgreSQL: a target without a schema keeps the config's", async () => {
    const { config } = await configWith({ url: PG, schema: "ops" });
    const tenant = configForTarget(config, { name: "other", url: "postgres://db/other" });
    expect(tenant.url).toBe("postgres://db/other");
    expect(tenant.schema).toBe("ops");
  });

  it("MySQL: a tenant's schema is a database, named in the URL (a database= parameter dropped), not a schema setting", async () => {
    const { config } = await configWith({ url: "mysql://root:pw%40x@127.0.0.1:3306/control?database=control&ssl-mode=DISABLED" });
    const tenant = configForTarget(config, { name: "acme", url: config.url, schema: "tenant acme" });
    expect(tenant.url).toBe("mysql://root:pw%40x@127.0.0.1:3306/tenant%20acme?ssl-mode=DISABLED");
    expect(tenant.schema).toBeUndefined();
    const noDatabase = configForTarget(config, { name: "b", url: "mariadb://root@db", schema: "b" });
    expect(noDatabase.url).toBe("mariadb://root@db/b");
  });

  it("SQLite: a relative file is relative to the config's directory, as the config's own url is", async () => {
    const { config, dir } = await configWith({ url: "sqlite:./app.db" });
    expect(configForTarget(config, { name: "acme", url: "sqlite:tenants/acme.db" }).url).toBe(`sqlite:${join(dir, "tenants", "acme.db")}`);
    expect(configForTarget(config, { name: "abs", url: "sqlite:/data/abs.db" }).url).toBe("sqlite:/data/abs.db");
  });

  it("refuses a schema where the database has none", async () => {
    const { config } = await configWith({ url: "sqlite:./app.db" });
    expect(() => configForTarget(config, { name: "acme", url: config.url, schema: "acme" })).toThrow(
      'target "acme" has the schema "acme", but a sqlite database has no schemas',
    );
  });
});
