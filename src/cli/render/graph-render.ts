// A picture of the dependency graph (`stratum graph`): plain text, Mermaid or Graphviz DOT, with
// applied, pending and conflicting migrations marked. Pure: a report in, a string out.

import { versionKey } from "../../basics.js";
import type { GraphNode, GraphReport } from "../../index.js";

export type GraphFormat = "text" | "mermaid" | "dot";

export const GRAPH_FORMATS: readonly GraphFormat[] = ["text", "mermaid", "dot"];

/** The picture of `report` in `format`, ending with a newline. */
export function renderGraph(report: GraphReport, format: GraphFormat): string {
  const lines = format === "mermaid" ? mermaidLines(report) : format === "dot" ? dotLines(report) : textLines(report);
  return `${lines.join("\n")}\n`;
}

// ------------------------------------------------------------------------------------------------
// What the three formats share

type Style = "applied" | "pending" | "attention";

/** Applied, pending (rolled back counts: it will run again) or needing attention (failed, running, changed, missing). */
function styleOf(state: string): Style {
  if (state === "applied") return "applied";
  if (state === "pending" || state === "rolled_back") return "pending";
  return "attention";
}

const FILL: Readonly<Record<Style, string>> = { applied: "#d4edda", pending: "#fff3cd", attention: "#f8d7da" };
const STROKE: Readonly<Record<Style, string>> = { applied: "#28a745", pending: "#b8860b", attention: "#721c24" };
const CONFLICT_COLOR = "#dc3545";

function idOf(node: GraphNode): string {
  return `${node.version}_${node.name}`;
}

/** A conflicting pair, with the tables the two share (when the problems name them). */
interface ConflictLink {
  readonly a: GraphNode;
  readonly b: GraphNode;
  readonly tables: readonly string[];
}

interface Layout {
  /** Node → its identifier in Mermaid and DOT (`m001`; `m001_2` for a repeated version). */
  readonly ids: ReadonlyMap<GraphNode, string>;
  /** Dependency edges (dependency → dependent) between nodes of the report. */
  readonly edges: readonly (readonly [from: GraphNode, to: GraphNode])[];
  readonly conflicts: readonly ConflictLink[];
  readonly conflicting: ReadonlySet<GraphNode>;
}

function tableOf(problem: GraphReport["conflicts"][number]): string | undefined {
  const table: unknown = (problem as { readonly table?: unknown }).table;
  return typeof table === "string" && table !== "" ? table : undefined;
}

function layout(report: GraphReport): Layout {
  const byKey = new Map<string, GraphNode>();
  const ids = new Map<GraphNode, string>();
  const used = new Set<string>();
  for (const node of report.nodes) {
    const key = versionKey(node.version);
    if (!byKey.has(key)) byKey.set(key, node);
    const base = `m${node.version.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}_${k}`;
    used.add(id);
    ids.set(node, id);
  }
  const find = (version: string): GraphNode | undefined => byKey.get(versionKey(version));

  const edges: (readonly [GraphNode, GraphNode])[] = [];
  for (const node of report.nodes) {
    const seen = new Set<GraphNode>();
    for (const dep of node.dependsOn) {
      const from = find(dep);
      if (from === undefined || from === node || seen.has(from)) continue;
      seen.add(from);
      edges.push([from, node]);
    }
  }

  const links = new Map<string, { a: GraphNode; b: GraphNode; tables: string[] }>();
  const conflicting = new Set<GraphNode>();
  const link = (x: GraphNode, y: GraphNode, table: string | undefined): void => {
    const [a, b] = report.nodes.indexOf(x) <= report.nodes.indexOf(y) ? [x, y] : [y, x];
    const key = `${ids.get(a)}\u0000${ids.get(b)}`;
    let entry = links.get(key);
    if (entry === undefined) {
      entry = { a, b, tables: [] };
      links.set(key, entry);
    }
    if (table !== undefined && !entry.tables.includes(table)) entry.tables.push(table);
    conflicting.add(a);
    conflicting.add(b);
  };
  for (const problem of report.conflicts) {
    const [va, vb] = problem.versions ?? [];
    const a = va === undefined ? undefined : find(va);
    const b = vb === undefined ? undefined : find(vb);
    if (a !== undefined && b !== undefined && a !== b) link(a, b, tableOf(problem));
  }
  for (const node of report.nodes) {
    for (const other of node.conflictsWith) {
      const b = find(other);
      if (b !== undefined && b !== node) link(node, b, undefined);
    }
  }
  return { ids, edges, conflicts: [...links.values()], conflicting };
}

// ------------------------------------------------------------------------------------------------
// Text

function textLines(report: GraphReport): string[] {
  const lines = [
    report.ordering === "graph"
      ? "ordering: graph (each migration runs after the migrations it depends on)"
      : "ordering: linear (each migration runs after the previous version)",
  ];
  if (report.nodes.length === 0) lines.push("no migrations");
  const conflictsWith = new Map<GraphNode, string[]>();
  for (const { a, b } of layout(report).conflicts) {
    conflictsWith.set(a, [...(conflictsWith.get(a) ?? []), b.version]);
    conflictsWith.set(b, [...(conflictsWith.get(b) ?? []), a.version]);
  }
  for (const node of report.nodes) {
    const deps = node.dependsOn.length === 0 ? "" : ` <- ${node.dependsOn.join(", ")}`;
    const others = conflictsWith.get(node) ?? [];
    const conflicts = others.length === 0 ? "" : `  (conflicts with ${others.join(", ")})`;
    lines.push(`${idOf(node)} [${node.state}]${deps}${conflicts}`);
  }
  lines.push("");
  if (report.conflicts.length === 0) {
    lines.push("conflicts: none");
    return lines;
  }
  lines.push("conflicts:");
  for (const problem of report.conflicts) {
    lines.push(`  ${problem.message}`);
    if (problem.fix !== "") lines.push(`    fix: ${problem.fix}`);
  }
  return lines;
}

// ------------------------------------------------------------------------------------------------
// Mermaid

/** Text inside a quoted Mermaid node label: a quote as an entity code, on one line. */
function mermaidLabel(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[\r\n]+/g, " ");
}

/** Text of a Mermaid link label (`|…|`): characters the flowchart grammar reads as syntax as entity codes. */
function mermaidLinkText(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/["|()[\]{}<>#;]/g, (c) => `#${c.charCodeAt(0)};`);
}

function mermaidLines(report: GraphReport): string[] {
  const { ids, edges, conflicts, conflicting } = layout(report);
  const id = (node: GraphNode): string => ids.get(node) as string;
  const lines = ["graph TD"];
  for (const node of report.nodes) lines.push(`  ${id(node)}["${mermaidLabel(`${idOf(node)} (${node.state})`)}"]`);
  for (const [from, to] of edges) lines.push(`  ${id(from)} --> ${id(to)}`);
  for (const { a, b, tables } of conflicts) {
    const label = tables.length === 0 ? "" : `|${mermaidLinkText(tables.join(", "))}|`;
    lines.push(`  ${id(a)} -.-${label} ${id(b)}`);
  }
  for (const style of ["applied", "pending", "attention"] as const) {
    lines.push(`  classDef ${style} fill:${FILL[style]},stroke:${STROKE[style]}`);
  }
  lines.push(`  classDef conflict stroke:${CONFLICT_COLOR},stroke-width:3px`);
  for (const style of ["applied", "pending", "attention"] as const) {
    const members = report.nodes.filter((n) => styleOf(n.state) === style).map(id);
    if (members.length > 0) lines.push(`  class ${members.join(",")} ${style}`);
  }
  const marked = report.nodes.filter((n) => conflicting.has(n)).map(id);
  if (marked.length > 0) lines.push(`  class ${marked.join(",")} conflict`);
  if (conflicts.length > 0) {
    // Conflict links come after the dependency edges, so their indices follow them.
    const indices = conflicts.map((_, i) => edges.length + i);
    lines.push(`  linkStyle ${indices.join(",")} stroke:${CONFLICT_COLOR},stroke-dasharray:4 4`);
  }
  return lines;
}

// ------------------------------------------------------------------------------------------------
// Graphviz DOT

/** A DOT double-quoted string. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

function dotLines(report: GraphReport): string[] {
  const { ids, edges, conflicts, conflicting } = layout(report);
  const id = (node: GraphNode): string => dotString(ids.get(node) as string);
  const lines = [
    "digraph migrations {",
    "  rankdir=LR;",
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  for (const node of report.nodes) {
    const style = styleOf(node.state);
    const border = conflicting.has(node)
      ? `color=${dotString(CONFLICT_COLOR)}, penwidth=2`
      : `color=${dotString(STROKE[style])}`;
    const label = dotString(`${idOf(node)} (${node.state})`);
    lines.push(`  ${id(node)} [label=${label}, fillcolor=${dotString(FILL[style])}, ${border}];`);
  }
  for (const [from, to] of edges) lines.push(`  ${id(from)} -> ${id(to)};`);
  for (const { a, b, tables } of conflicts) {
    const label = tables.length === 0 ? "" : `, label=${dotString(tables.join(", "))}`;
    const color = dotString(CONFLICT_COLOR);
    lines.push(`  ${id(a)} -> ${id(b)} [style=dashed, color=${color}, fontcolor=${color}, dir=none, constraint=false${label}];`);
  }
  lines.push("}");
  return lines;
}
