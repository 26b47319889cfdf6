import { describe, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeProject } from "../support/project.js";
import { sqliteTarget } from "../support/targets.js";

/**
 * Item 16: an applied code migration keeps its `dependsOn` and `tables` in `graph` and
 * `validate`, so `validate --strict` and `graph` answer the same on a fresh database and a
 * migrated one.
 */
const files: Readonly<Record<string, string>> = {
  "001_base.sql": "-- migrate:up\nCREATE TABLE shared (id INTEGER);\n-- migrate:down\nDROP TABLE shared;\n",
  "002_code.ts": 'export const dependsOn = ["001"];\nexport const tables = ["shared"];\nexport async function up(ctx: { sql(text: string): Promise<unknown> }) { await ctx.sql("INSERT INTO shared VALUES (2)"); }\n',
  "003_other.sql": "-- stratum:depends 001\n-- migrate:up\nINSERT INTO shared VALUES (3);\n",
  "004_dep.cjs": 'module.exports = { dependsOn: ["002"], tables: ["shared"], async up(ctx) { await ctx.sql("INSERT INTO shared VALUES (4)"); } };\n',
};

interface GraphJson {
  nodes: { version: string; state: string; dependsOn: string[]; conflictsWith: string[] }[];
  conflicts: { code: string; message: string; versions: string[] }[];
}
interface ValidateJson {
  ok: boolean;
  problems: { code: string; message: string; files: string[]; severity: string }[];
}

describe("applied code migrations keep their dependencies and tables (sqlite, graph ordering)", () => {
  it.concurrent("graph and validate --strict answer the same before and after up", async ({ expect }) => {
    const db = await sqliteTarget().createDatabase();
    const project = makeProject(files);
    project.write("stratum.config.json", JSON.stringify({ ordering: "graph" }));
    const cli = (...args: string[]) => runCli([...args, "--url", db.url], { cwd: project.dir });
    const answers = async () => {
      const validate = await cli("validate", "--strict", "--json");
      const graph = await cli("graph", "--json");
      expect(graph.code, graph.output).toBe(0);
      const g = JSON.parse(graph.stdout) as GraphJson;
      return {
        validateCode: validate.code,
        validate: (JSON.parse(validate.stdout) as ValidateJson).problems,
        nodes: g.nodes.map(({ version, dependsOn, conflictsWith }) => ({ version, dependsOn, conflictsWith })),
        conflicts: g.conflicts,
        states: g.nodes.map((n) => n.state),
      };
    };
    try {
      const fresh = await answers();
      // the fresh answer is the right one: 003 conflicts with both code migrations, which are ordered
      expect(fresh.nodes).toEqual([
        { version: "001", dependsOn: [], conflictsWith: [] },
        { version: "002", dependsOn: ["001"], conflictsWith: ["003"] },
        { version: "003", dependsOn: ["001"], conflictsWith: ["002", "004"] },
        { version: "004", dependsOn: ["002"], conflictsWith: ["003"] },
      ]);
      expect(fresh.validateCode).toBe(3);
      expect(fresh.validate.map((p) => p.code)).toEqual(["CONFLICT", "CONFLICT"]);
      expect(fresh.states).toEqual(["pending", "pending", "pending", "pending"]);

      const up = await cli("up");
      expect(up.code, up.output).toBe(0);
      const migrated = await answers();
      expect(migrated.states).toEqual(["applied", "applied", "applied", "applied"]);
      expect({ ...migrated, states: null }).toEqual({ ...fresh, states: null });
    } finally {
      project.cleanup();
      await db.drop();
    }
  });
});
