// The architecture's boundaries, read from the source with the TypeScript compiler (issue 11):
// core/ is pure, dialect names live under dialects/, the CLI reaches the library only through its
// public entry, no function grows past 150 lines, and migrator.ts only composes.
//
// Each rule starts with today's violations as EXCEPTIONS. The lists must shrink to empty as the
// engine work proceeds. A violation that is not listed fails, and so does a listed exception that
// no longer occurs: whoever removes a violation deletes its line here, so the lists stay true.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** One violation, named by file (relative to the repository) and what: stable across line moves. */
interface Exception {
  readonly file: string;
  readonly what: string;
}

interface Violation extends Exception {
  readonly line: number;
}

// Imports from core/ that leave core/ (relative paths resolving outside src/core, packages, and
// node: built-ins other than node:crypto). Must shrink to empty.
const CORE_IMPORT_EXCEPTIONS: readonly Exception[] = [];

// String literals (or template parts, or literal types) naming a dialect outside src/dialects/.
// `what` is the literal's text. Must shrink to empty.
const DIALECT_NAME_EXCEPTIONS: readonly Exception[] = [];

// Imports in src/cli/ of src/ modules other than the public entries and src/cli/ itself
// (type-only imports included). `what` is the import specifier. Must shrink to empty.
const CLI_IMPORT_EXCEPTIONS: readonly Exception[] = [];

// Functions over 150 lines. `what` is the function's path of names (outer > inner). Must shrink
// to empty.
const LONG_FUNCTION_EXCEPTIONS: readonly Exception[] = [];

// src/migrator.ts: missing, or a function over 40 lines in it. Must shrink to empty.
const MIGRATOR_EXCEPTIONS: readonly Exception[] = [];

const MAX_FUNCTION_LINES = 150;
const MAX_MIGRATOR_FUNCTION_LINES = 40;
const DIALECT_NAMES = ["sqlite", "postgres", "postgresql", "mysql", "mariadb"];
// Checksums are pure computation over text; node:crypto is the one built-in core/ may use.
const CORE_ALLOWED_BUILTINS = new Set(["node:crypto"]);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");

interface SourceFile {
  /** Relative to the repository, with forward slashes: `src/core/planner.ts`. */
  readonly file: string;
  readonly absolute: string;
  readonly ast: ts.SourceFile;
}

interface ImportRef {
  readonly specifier: string;
  readonly line: number;
  /** The resolved absolute path of a relative import, else null. */
  readonly target: string | null;
}

function walkTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkTs(path));
    else if (/\.(c|m)?ts$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

function repoPath(absolute: string): string {
  return relative(ROOT, absolute).split(sep).join("/");
}

function loadSources(): SourceFile[] {
  return walkTs(SRC).map((absolute) => ({
    file: repoPath(absolute),
    absolute,
    ast: ts.createSourceFile(absolute, readFileSync(absolute, "utf8"), ts.ScriptTarget.Latest, true),
  }));
}

function lineOf(ast: ts.SourceFile, node: ts.Node): number {
  return ast.getLineAndCharacterOfPosition(node.getStart(ast)).line + 1;
}

/** `./x.js` next to the importer → the `.ts` file it names (NodeNext spells source imports `.js`). */
function resolveRelative(importer: string, specifier: string): string {
  const target = resolve(dirname(importer), specifier);
  const swapped = target.replace(/\.(c|m)?js$/, (ext) => ext.replace("js", "ts"));
  if (existsSync(swapped)) return swapped;
  if (existsSync(`${target}.ts`)) return `${target}.ts`;
  if (existsSync(join(target, "index.ts"))) return join(target, "index.ts");
  return swapped;
}

/** Static imports and re-exports, `import()` calls and `import("x").T` types, type-only included. */
function importsOf(source: SourceFile): ImportRef[] {
  const refs: ImportRef[] = [];
  const add = (literal: ts.Node): void => {
    if (!ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const target = specifier.startsWith(".") ? resolveRelative(source.absolute, specifier) : null;
    refs.push({ specifier, line: lineOf(source.ast, literal), target });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const first = node.arguments[0];
      if (first !== undefined) add(first);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source.ast);
  return refs;
}

function isUnder(absolute: string, dir: string): boolean {
  return absolute === dir || absolute.startsWith(dir + sep);
}

function coreImportViolations(sources: readonly SourceFile[]): Violation[] {
  const core = join(SRC, "core");
  const out: Violation[] = [];
  for (const source of sources.filter((s) => isUnder(s.absolute, core))) {
    for (const ref of importsOf(source)) {
      const allowed = ref.target !== null ? isUnder(ref.target, core) : CORE_ALLOWED_BUILTINS.has(ref.specifier);
      if (!allowed) out.push({ file: source.file, what: ref.specifier, line: ref.line });
    }
  }
  return out;
}

/** The text of every string a program spells out: literals, template parts, literal types. */
function stringTextsOf(source: SourceFile): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    // A module specifier is an import, which the import rules judge; it is not a dialect switch.
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isImportTypeNode(node)) return;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return;
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      out.push({ text: node.text, line: lineOf(source.ast, node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source.ast);
  return out;
}

// A literal names a dialect when it is one (`"mysql"`, `"sqlite" | "postgres"`) or starts with one
// followed by a URL scheme or version operator (`"sqlite:./x.db"`, `"postgres>=13"`): the spellings
// code branches on or defaults to. Prose that mentions a dialect (help text, messages) does not count.
const DIALECT_LITERAL = new RegExp(`^\\s*(${DIALECT_NAMES.join("|")})\\s*($|[:+<>=])`, "i");

function dialectNameViolations(sources: readonly SourceFile[]): Violation[] {
  const dialects = join(SRC, "dialects");
  const out: Violation[] = [];
  for (const source of sources.filter((s) => !isUnder(s.absolute, dialects))) {
    for (const { text, line } of stringTextsOf(source)) {
      if (DIALECT_LITERAL.test(text)) out.push({ file: source.file, what: text, line });
    }
  }
  return out;
}

/** package.json "exports" targets mapped back to their sources: `./dist/x/index.js` → `src/x/index.ts`. */
function publicEntries(): Set<string> {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports?: unknown };
  // basics.ts is the light part of index.ts (re-exported whole), which the CLI loads alone for --help
  const entries = new Set([join(SRC, "index.ts"), join(SRC, "basics.ts")]);
  const collect = (value: unknown): void => {
    if (typeof value === "string") {
      const match = /^\.\/dist\/(?:cjs\/)?(.+)\.(?:d\.ts|js|cjs|mjs)$/.exec(value);
      if (match?.[1] !== undefined) {
        const candidate = join(SRC, `${match[1]}.ts`);
        if (existsSync(candidate)) entries.add(candidate);
      }
    } else if (value !== null && typeof value === "object") {
      for (const inner of Object.values(value)) collect(inner);
    }
  };
  collect(manifest.exports);
  return entries;
}

function cliImportViolations(sources: readonly SourceFile[]): Violation[] {
  const cli = join(SRC, "cli");
  const entries = publicEntries();
  const out: Violation[] = [];
  for (const source of sources.filter((s) => isUnder(s.absolute, cli))) {
    for (const ref of importsOf(source)) {
      if (ref.target === null || !isUnder(ref.target, SRC)) continue;
      if (isUnder(ref.target, cli) || entries.has(ref.target)) continue;
      out.push({ file: source.file, what: ref.specifier, line: ref.line });
    }
  }
  return out;
}

interface FunctionExtent {
  readonly name: string;
  readonly line: number;
  readonly lines: number;
}

function nameOfFunction(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name !== undefined && (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name))) {
    return named.name.text;
  }
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return "(anonymous)";
}

function hasBody(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node)) &&
    node.body !== undefined
  );
}

/** Every function with a body, named by the path of enclosing names (`buildInternals > runOne`). */
function functionsOf(source: SourceFile): FunctionExtent[] {
  const out: FunctionExtent[] = [];
  const visit = (node: ts.Node, path: readonly string[]): void => {
    let inner = path;
    if (hasBody(node)) {
      inner = [...path, nameOfFunction(node)];
      const start = lineOf(source.ast, node);
      const end = source.ast.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      out.push({ name: inner.join(" > "), line: start, lines: end - start + 1 });
    } else if (ts.isClassDeclaration(node) && node.name !== undefined) {
      inner = [...path, node.name.text];
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(source.ast, []);
  return out;
}

function longFunctionViolations(sources: readonly SourceFile[], max: number): Violation[] {
  return sources.flatMap((source) =>
    functionsOf(source)
      .filter((fn) => fn.lines > max)
      .map((fn) => ({ file: source.file, what: `${fn.name} (${fn.lines} lines)`, line: fn.line })),
  );
}

function migratorViolations(sources: readonly SourceFile[]): Violation[] {
  const migrator = sources.find((s) => s.file === "src/migrator.ts");
  if (migrator === undefined) return [{ file: "src/migrator.ts", what: "missing", line: 0 }];
  return longFunctionViolations([migrator], MAX_MIGRATOR_FUNCTION_LINES);
}

/** `what` of a long function without its line count, which moves with every edit. */
function withoutCount(what: string): string {
  return what.replace(/ \(\d+ lines\)$/, "");
}

function key(entry: Exception, normalise: (what: string) => string): string {
  return `${entry.file} :: ${normalise(entry.what)}`;
}

/** Unlisted violations and stale exceptions, as readable lines (empty when the list is true). */
function compare(
  violations: readonly Violation[],
  exceptions: readonly Exception[],
  normalise: (what: string) => string = (w) => w,
): string[] {
  const listed = new Set(exceptions.map((e) => key(e, normalise)));
  const found = new Set(violations.map((v) => key(v, normalise)));
  const unlisted = violations
    .filter((v) => !listed.has(key(v, normalise)))
    .map((v) => `violation ${v.file}:${v.line}: ${v.what}`);
  const stale = exceptions
    .filter((e) => !found.has(key(e, normalise)))
    .map((e) => `stale exception (no longer occurs; delete it from the list): ${e.file}: ${e.what}`);
  return [...unlisted, ...stale];
}

const sources = loadSources();

describe("architecture boundaries (issue 11)", () => {
  it("reads the source tree", () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(sources.some((s) => s.file === "src/index.ts")).toBe(true);
  });

  it("core/ imports only core/ (and node:crypto)", () => {
    expect(compare(coreImportViolations(sources), CORE_IMPORT_EXCEPTIONS)).toEqual([]);
  });

  it("a dialect name appears only under src/dialects/", () => {
    expect(compare(dialectNameViolations(sources), DIALECT_NAME_EXCEPTIONS)).toEqual([]);
  });

  it("cli/ reaches src/ only through the public entries", () => {
    expect(compare(cliImportViolations(sources), CLI_IMPORT_EXCEPTIONS)).toEqual([]);
  });

  it(`no function in src/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const found = longFunctionViolations(sources, MAX_FUNCTION_LINES);
    expect(compare(found, LONG_FUNCTION_EXCEPTIONS, withoutCount)).toEqual([]);
  });

  it(`src/migrator.ts exists and composes only (no function over ${MAX_MIGRATOR_FUNCTION_LINES} lines)`, () => {
    expect(compare(migratorViolations(sources), MIGRATOR_EXCEPTIONS, withoutCount)).toEqual([]);
  });
});
