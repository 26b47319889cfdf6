import { describe, expect, it } from "vitest";
import { computedExecFileCalls, execFileCalls } from "../../../src/source/exec-files.js";

describe("execFileCalls", () => {
  it("finds one-argument literal calls with their lines, each path once", () => {
    const source = [
      'await ctx.execFile("a.sql");',
      "await ctx.execFile('sub/b.sql');",
      "await ctx.execFile(`c.sql`);",
      "const { execFile } = ctx;",
      'await execFile( "d.sql" , );',
      'await ctx.execFile("a.sql");',
      'await ctx.execFile("e\\"q.sql");',
    ].join("\n");
    expect(execFileCalls(source)).toEqual([
      { path: "a.sql", line: 1 },
      { path: "sub/b.sql", line: 2 },
      { path: "c.sql", line: 3 },
      { path: "d.sql", line: 5 },
      { path: 'e"q.sql', line: 7 },
    ]);
  });

  it("skips comments, computed paths, template substitutions and calls with more arguments", () => {
    const source = [
      '// await ctx.execFile("old.sql");',
      '/* await ctx.execFile("older.sql");',
      "*/",
      'const s = "// not a comment"; await ctx.execFile("kept.sql");',
      "await ctx.execFile(name);",
      "await ctx.execFile(`${dir}/x.sql`);",
      'execFile("pg_dump", ["--schema-only"]);',
      'ctx.execFileSync("nope.sql");',
    ].join("\n");
    expect(execFileCalls(source)).toEqual([{ path: "kept.sql", line: 4 }]);
  });
});

describe("computedExecFileCalls", () => {
  it("finds one-argument member calls whose argument is not a literal, with their lines", () => {
    const source = [
      'await ctx.execFile("a.sql");',
      "await ctx.execFile(`${dir}/b.sql`);",
      'await ctx.execFile(join("sql", name));',
      "await context . execFile(path);",
      "// ctx.execFile(commented)",
      'await child.execFile(process.execPath, ["--version"]);',
      "await execFile(bare);",
      "await ctx.execFile(`c.sql`,);",
    ].join("\n");
    expect(computedExecFileCalls(source)).toEqual([2, 3, 4]);
  });
});
