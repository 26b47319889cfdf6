import { describe, expect, it } from "vitest";
import type { GraphReport, Migrator } from "../../../src/api-types.js";
import { parseGraphFormat } from "../../../src/cli/commands/graph.js";
import type { CliLibrary } from "../../../src/cli/library.js";
import { run } from "../../../src/cli/main.js";
import { renderGraph } from "../../../src/cli/render/graph-render.js";
import { fakeLibrary, memoryIo } from "./cli-harness.js";

const report: GraphReport = {
  ordering: "graph",
  nodes: [
    { version: "001", name: "create_users", file: "001_create_users.sql", state: "applied", dependsOn: [], conflictsWith: [] },
    { version: "002", name: "add_email", file: "002_add_email.sql", state: "pending", dependsOn: ["001"], conflictsWith: ["003"] },
    { version: "003", name: "add_phone", file: "003_add_phone.sql", state: "pending", dependsOn: ["001"], conflictsWith: ["002"] },
  ],
  conflicts: [
    {
      code: "CONFLICT",
      message: "002_add_email.sql and 003_add_phone.sql both alter table users, and neither depends on the other.",
      files: ["002_add_email.sql", "003_add_phone.sql"],
      fix: "Declare a dependency (-- stratum:depends 002 in 003_add_phone.sql) so they run in a known order.",
      severity: "warning",
      versions: ["002", "003"],
    },
  ],
};

/** Runs the CLI with the harness's fake library, its Migrator answering `graph()` with `answer`. */
async function runGraph(
  argv: readonly string[],
  answer: () => Promise<GraphReport> = async () => report,
): Promise<{ code: number; stdout: string; stderr: string; graphCalls: number; closed: number }> {
  const { library, calls } = fakeLibrary();
  let graphCalls = 0;
  const withGraph: CliLibrary = {
    ...library,
    createMigrator: (config) => {
      const migrator = library.createMigrator(config);
      const graph: Migrator["graph"] = () => {
        graphCalls += 1;
        return answer();
      };
      return { ...migrator, graph } as Migrator;
    },
  };
  const { io, stdout, stderr } = memoryIo();
  const code = await run(argv, io, { library: withGraph, clock: () => 0 });
  return { code, stdout: stdout.text(), stderr: stderr.text(), graphCalls, closed: calls.closed };
}

describe("stratum graph", () => {
  const formats = [
    { argv: ["graph"], format: "text" },
    { argv: ["graph", "--format", "text"], format: "text" },
    { argv: ["graph", "--format", "mermaid"], format: "mermaid" },
    { argv: ["graph", "--format=dot"], format: "dot" },
    { argv: ["--ordering", "graph", "graph", "--format", "dot"], format: "dot" },
  ] as const;
  it.each(formats)("$argv prints the $format picture and exits 0", async ({ argv, format }) => {
    const result = await runGraph(argv);
    expect(result).toMatchObject({ code: 0, stderr: "", graphCalls: 1, closed: 1 });
    expect(result.stdout).toBe(renderGraph(report, format));
  });

  it("the text picture marks states, dependencies and conflicts", async () => {
    const { stdout } = await runGraph(["graph"]);
    expect(stdout.split("\n").slice(0, 4)).toEqual([
      "ordering: graph (each migration runs after the migrations it depends on)",
      "001_create_users [applied]",
      "002_add_email [pending] <- 001  (conflicts with 003)",
      "003_add_phone [pending] <- 001  (conflicts with 002)",
    ]);
    expect(stdout).toContain("conflicts:\n  002_add_email.sql and 003_add_phone.sql both alter table users");
  });

  it("--json prints the GraphReport as one JSON document, whatever the format", async () => {
    const result = await runGraph(["graph", "--json", "--format", "mermaid"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual(report);
  });

  it("--quiet prints nothing", async () => {
    const result = await runGraph(["graph", "--quiet"]);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("an unknown format is a usage error (exit 2), before connecting", async () => {
    const result = await runGraph(["graph", "--format", "svg"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--format expects text, mermaid, dot, got "svg"');
    expect(result.graphCalls).toBe(0);
    expect(result.closed).toBe(0);
  });

  it("a library error is reported and the migrator closed", async () => {
    const { ConfigError } = await import("../../../src/core/errors.js");
    const result = await runGraph(["graph"], async () => {
      throw new ConfigError("cannot read the migrations directory ./nope", { fix: "check --dir" });
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("cannot read the migrations directory ./nope");
    expect(result.closed).toBe(1);
  });

  it("--help describes the formats and gives examples", async () => {
    const result = await runGraph(["graph", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: stratum graph [options]");
    expect(result.stdout).toContain("--format <format>");
    expect(result.stdout).toContain("text, mermaid or dot (default text)");
    expect(result.stdout).toContain("$ stratum graph --format mermaid > graph.mmd");
  });

  it("is listed in the program's help", async () => {
    const result = await runGraph(["--help"]);
    expect(result.stdout).toMatch(/graph \[options\]\s+print the dependency graph/);
  });
});

describe("parseGraphFormat", () => {
  it.each([
    [undefined, "text"],
    ["text", "text"],
    ["mermaid", "mermaid"],
    ["dot", "dot"],
  ] as const)("%s → %s", (value, expected) => {
    expect(parseGraphFormat(value)).toBe(expected);
  });

  it.each(["", "DOT", "png", true])("rejects %s with exit code 2", (value) => {
    expect(() => parseGraphFormat(value)).toThrowError(/--format expects text, mermaid, dot/);
    try {
      parseGraphFormat(value);
    } catch (error) {
      expect((error as { exitCode?: number }).exitCode).toBe(2);
    }
  });
});
