import { describe, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject } from "../support/project.js";
import { sqliteTarget } from "../support/targets.js";

/**
 * Item 15: code migrations load as ES modules and as CommonJS — `.js` (per the nearest
 * package.json "type"), `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts` — in every shape Knex and
 * node-pg-migrate users have them, and none is silently ignored.
 */
const table = (name: string) => `CREATE TABLE ${name} (id INTEGER)`;
const cjsFiles: Readonly<Record<string, string>> = {
  "001_exports_up.cjs": `exports.up = async (ctx) => { await ctx.sql("${table("t1")}"); };\nexports.down = async (ctx) => { await ctx.sql("DROP TABLE t1"); };\n`,
  "002_module_exports.js": `const up = async (ctx) => { await ctx.sql("${table("t2")}"); };\nconst down = async (ctx) => { await ctx.sql("DROP TABLE t2"); };\nmodule.exports = { up, down, description: "plain CommonJS .js", dependsOn: ["001"], tables: ["t2"] };\n`,
  "003_typed_commonjs.cts": `const up = async (ctx: { sql(text: string): Promise<unknown> }) => { await ctx.sql("${table("t3")}"); };\nconst down = async (ctx: { sql(text: string): Promise<unknown> }) => { await ctx.sql("DROP TABLE t3"); };\nmodule.exports = { up, down };\n`,
  "004_esm.mts": `export async function up(ctx: { sql(text: string): Promise<unknown> }) { await ctx.sql("${table("t4")}"); }\nexport async function down(ctx: { sql(text: string): Promise<unknown> }) { await ctx.sql("DROP TABLE t4"); }\n`,
  "005_esm.ts": `export default { async up(ctx: { sql(text: string): Promise<unknown> }) { await ctx.sql("${table("t5")}"); }, async down(ctx: { sql(text: string): Promise<unknown> }) { await ctx.sql("DROP TABLE t5"); } };\n`,
  "006_esm.mjs": `export async function up(ctx) { await ctx.sql("${table("t6")}"); }\nexport async function down(ctx) { await ctx.sql("DROP TABLE t6"); }\n`,
  "007_function.cjs": `module.exports = async function (ctx) { await ctx.sql("${table("t7")}"); };\n`,
  "008_compiled_ts.cjs": `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.default = { async up(ctx) { await ctx.sql("${table("t8")}"); }, async down(ctx) { await ctx.sql("DROP TABLE t8"); } };\n`,
  "010_esm_syntax.js": `export async function up(ctx) { await ctx.sql("${table("t10")}"); }\nexport async function down(ctx) { await ctx.sql("DROP TABLE t10"); }\n`,
  "011_esm_default.js": `export default { async up(ctx) { await ctx.sql("${table("t11")}"); }, async down(ctx) { await ctx.sql("DROP TABLE t11"); } };\n`,
  "009_exports_ts.ts": `exports.up = async (ctx: { sql(text: string): Promise<unknown> }) => { await ctx.sql("${table("t9")}"); };\nexports.down = async (ctx: { sql(text: string): Promise<unknown> }) => { await ctx.sql("DROP TABLE t9"); };\n`,
};
const ALL = ["t1", "t10", "t11", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"]; // as db.tables() sorts them

describe("CommonJS and ES module code migrations on sqlite", () => {
  it.concurrent("every extension and shape is found, applied and rolled back (no package.json type: .js is CommonJS)", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject(cjsFiles);
    project.write("package.json", JSON.stringify({ name: "app", private: true }));
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(0);
      const status = await cli("status", "--json");
      const listed = (JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] }).migrations;
      expect(listed.map((m) => `${m.version}:${m.state}`)).toEqual(Object.keys(cjsFiles).sort().map((f) => `${f.slice(0, 3)}:pending`));

      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      expect((await db.tables()).filter((t) => t.startsWith("t"))).toEqual(ALL);

      const plan = await cli("plan", "--json", "--ordering", "graph");
      expect(plan.code, plan.output).toBe(0);
      const graph = await cli("graph", "--json", "--ordering", "graph");
      expect(graph.code, graph.output).toBe(0);
      const nodes = (JSON.parse(graph.stdout) as { nodes: { version: string; dependsOn: string[] }[] }).nodes;
      expect(nodes.find((n) => n.version === "002")?.dependsOn).toEqual(["001"]);

      // 007 has no down: roll back the rest
      const down = await cli("down", "--to", "007", "--yes");
      expect(down.code, down.output).toBe(0);
      expect((await db.tables()).filter((t) => t.startsWith("t"))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6", "t7"]);
      const refused = await cli("down", "--yes");
      expect(refused.code, refused.output).toBe(3);
      expect(refused.output).toContain("007_function");
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent('with "type": "module", .js is an ES module and .cjs stays CommonJS', async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({
      "001_esm.js": `export async function up(ctx) { await ctx.sql("${table("t1")}"); }\n`,
      "002_cjs.cjs": `exports.up = async (ctx) => { await ctx.sql("${table("t2")}"); };\n`,
    });
    project.write("package.json", JSON.stringify({ name: "app", type: "module" }));
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      expect((await db.tables()).filter((t) => t.startsWith("t"))).toEqual(["t1", "t2"]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent('CommonJS syntax in a .js file of a "type": "module" package loads too (Node refuses it; jiti compiles it)', async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({ "001_cjs.js": `exports.up = async (ctx) => { await ctx.sql("${table("t1")}"); };\n` });
    project.write("package.json", JSON.stringify({ name: "app", type: "module" }));
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      expect((await db.tables()).filter((t) => t.startsWith("t"))).toEqual(["t1"]);
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("a CommonJS module exporting both a named up and a default definition is still refused", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({
      "001_both.cjs": `exports.up = async () => {};\nexports.default = { up: async () => {} };\n`,
    });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const up = await cli("up");
      expect(up.code, up.output).toBe(3);
      expect(up.stderr).toContain("001_both.cjs exports both a named up function and a default migration definition");
    } finally {
      project.cleanup();
      await db.drop();
    }
  });

  it.concurrent("badly named .cjs, .cts and .mts files are reported, not ignored; their type declarations are ignored", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject({
      "1-x.cjs": "exports.up = async () => {};\n",
      "2-y.cts": "exports.up = async () => {};\n",
      "3-z.mts": "export async function up() {}\n",
      "004_types.d.cts": "export {};\n",
      "005_types.d.mts": "export {};\n",
    });
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    try {
      const validate = await cli("validate");
      expect(validate.code, validate.output).toBe(3);
      for (const name of ["1-x.cjs", "2-y.cts", "3-z.mts"]) expect(validate.output).toContain(`${name} is not a valid migration file name`);
      expect(validate.output).not.toContain("004_types");
      expect(validate.output).not.toContain("005_types");
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
