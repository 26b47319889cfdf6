import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { SchemaError } from "../../src/core/errors.js";
import { compareSchemas, createMigrationTest, type MigrationTestKit } from "../../src/testing/index.js";
import { makeProject, type Project } from "../support/project.js";

const shop = fileURLToPath(new URL("../../examples/shop/migrations", import.meta.url));

describe("stratumdb/testing on SQLite", () => {
  let kit: MigrationTestKit | undefined;
  let project: Project | undefined;
  afterEach(async () => {
    await kit?.close();
    project?.cleanup();
    kit = undefined;
    project = undefined;
  });

  it("proves every example migration reverses exactly", async () => {
    kit = await createMigrationTest({ dir: shop });
    await kit.checkAllReversible();
    const status = await kit.migrator.status();
    expect(status.pending).toBe(0);
    const schema = await kit.schema();
    expect(schema.tables.map((t) => t.name).sort()).toEqual(["orders", "products", "users"]);
  });

  it("migrates to a version, then runs one migration up and down", async () => {
    kit = await createMigrationTest({ dir: shop });
    await kit.migrateTo("002");
    const result = await kit.upDown("003");
    expect(compareSchemas(result.before, result.afterDown)).toEqual([]);
    expect(compareSchemas(result.before, result.afterUp).some((d) => d.includes("orders"))).toBe(true);
  });

  it("reports a down that does not restore the schema", async () => {
    project = makeProject({
      "001_t.sql": "-- migrate:up\nCREATE TABLE t (id INTEGER, extra TEXT);\nCREATE INDEX t_extra ON t (extra);\n-- migrate:down\nDROP INDEX t_extra;\n",
    });
    kit = await createMigrationTest({ dir: project.migrations });
    const error = await kit.upDown("001").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as Error).message).toMatch(/rolling back migration 001 does not restore the schema: added table t/);
  });
});

describe("compareSchemas", () => {
  it.each([
    [{ tables: [{ name: "a", columns: [] }] }, { tables: [{ name: "a", columns: [] }] }, []],
    [{ tables: [{ name: "a" }] }, { tables: [] }, ["schema.tables[a]: removed"]],
    [{ tables: [] }, { tables: [{ name: "b" }] }, ["schema.tables[b]: added"]],
    [{ tables: [{ name: "a", type: "int" }] }, { tables: [{ name: "a", type: "text" }] }, ['schema.tables[a].type: "int" → "text"']],
  ])("%j vs %j", (a, b, expected) => {
    expect(compareSchemas(a, b)).toEqual(expected);
  });
});
