import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Every ```ts / ```typescript block in README.md and docs/*.md compiles under `tsc --strict`, with
 * `import … from "stratumdb"` resolving to this source tree. A block that genuinely cannot stand
 * alone is preceded by `<!-- not-typechecked: <reason> -->` (use sparingly).
 */
const ROOT = resolve(import.meta.dirname, "../..");

interface Block {
  /** `docs/api.md:17`: where the block's first code line is. */
  readonly doc: string;
  readonly firstLine: number;
  readonly code: string;
}

const OPT_OUT = /^<!--\s*not-typechecked:\s*\S.*-->$/;

export function extractBlocks(doc: string, text: string): { blocks: Block[]; optedOut: string[] } {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  const optedOut: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i] ?? "");
    if (fence === null) continue;
    const end = lines.findIndex((line, j) => j > i && /^\s*```\s*$/.test(line));
    if (end < 0) throw new Error(`${doc}:${i + 1}: unterminated code block`);
    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? "").trim() === "") previous--;
    if (OPT_OUT.test((lines[previous] ?? "").trim())) optedOut.push(`${doc}:${i + 1}`);
    else blocks.push({ doc, firstLine: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return { blocks, optedOut };
}

/** Type-checks the blocks as separate modules; returns `doc:line: message` for each error. */
export function typecheckBlocks(blocks: readonly Block[]): string[] {
  // Inside the project, so node_modules (and @types/node) resolve as they do for the sources.
  const dir = mkdtempSync(join(ROOT, ".stratum-doccheck-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const files = new Map<string, Block>();
    blocks.forEach((block, index) => {
      const file = join(dir, `block-${index}.ts`);
      // A block without import/export is still a module (top-level await, no global clashes).
      const isModule = /^\s*(import|export)\s/m.test(block.code);
      writeFileSync(file, `${block.code}\n${isModule ? "" : "export {};\n"}`);
      files.set(file, block);
    });
    const program = ts.createProgram([...files.keys()], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ["node"],
      skipLibCheck: true,
      paths: {
        stratumdb: [join(ROOT, "src/index.ts")],
        "stratumdb/testing": [join(ROOT, "src/testing/index.ts")],
      },
    });
    const problems: string[] = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const block = diagnostic.file === undefined ? undefined : files.get(resolve(diagnostic.file.fileName));
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
      if (diagnostic.file === undefined) {
        problems.push(`(global): ${message}`);
        continue;
      }
      if (block === undefined) continue; // the library's own sources are checked by `npm run typecheck`
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      problems.push(`${block.doc}:${block.firstLine + line}: ${message}`);
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function documentationBlocks(): { blocks: Block[]; optedOut: string[] } {
  const docs = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const blocks: Block[] = [];
  const optedOut: string[] = [];
  for (const doc of docs) {
    const found = extractBlocks(doc, readFileSync(join(ROOT, doc), "utf8"));
    blocks.push(...found.blocks);
    optedOut.push(...found.optedOut);
  }
  return { blocks, optedOut };
}

describe("TypeScript examples in README.md and docs/", () => {

  it("every block compiles with tsc --strict", () => {
    const { blocks, optedOut } = documentationBlocks();
    expect(blocks.length, "the examples were found").toBeGreaterThanOrEqual(12);
    expect(optedOut.length, `opted out: ${optedOut.join(", ")}`).toBeLessThanOrEqual(2);
    expect(typecheckBlocks(blocks)).toEqual([]);
  }, 120_000);

  it("the checker reports an error at its doc file and line", () => {
    // (no import of the library here: this test only proves errors are reported, and where)
    const doc = ["# Example", "", "```ts", "const parallel: number = 4;", "", 'export const settings: { parallel: number } = { parallel: "four" };', "```", ""].join("\n");
    const { blocks } = extractBlocks("docs/example.md", doc);
    const problems = typecheckBlocks(blocks);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^docs\/example\.md:6: /);
  }, 120_000);

  it("honours an explicit opt-out marker, and only with a reason", () => {
    const doc = ["<!-- not-typechecked: a fragment of a larger file -->", "```ts", "ctx.sql(1);", "```", "<!-- not-typechecked: -->", "```ts", "x", "```"].join("\n");
    const { blocks, optedOut } = extractBlocks("docs/x.md", doc);
    expect(optedOut).toEqual(["docs/x.md:2"]);
    expect(blocks.map((b) => b.firstLine)).toEqual([7]);
  });
});
