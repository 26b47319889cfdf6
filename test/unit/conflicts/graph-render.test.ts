import { describe, expect, it } from "vitest";
import type { GraphNode, GraphReport } from "../../../src/api-types.js";
import { findConflicts } from "../../../src/core/conflicts.js";
import { tokenTableUses } from "../../support/sql-by-name.js";
import { renderGraph, type GraphFormat } from "../../../src/cli/render/graph-render.js";
import type { Problem } from "../../../src/core/types.js";
import { sql } from "./factories.js";

function node(version: string, name: string, state: string, dependsOn: string[] = [], conflictsWith: string[] = []): GraphNode {
  return { version, name, file: `${version}_${name}.sql`, state, dependsOn, conflictsWith };
}

const migrations = [
  sql("001_create_users", "create table users (id int);"),
  sql("002_add_email", "alter table users add email text;", ["001"]),
  sql("003_add_phone", "alter table users add phone text;", ["001"]),
  sql("004_create_orders", "create table orders (id int, user_id int references users(id));", ["002", "003"]),
];

/** Applied, pending, failed, and one conflict found by findConflicts (it carries the table). */
const report: GraphReport = {
  ordering: "graph",
  nodes: [
    node("001", "create_users", "applied"),
    node("002", "add_email", "applied", ["001"], ["003"]),
    node("003", "add_phone", "pending", ["001"], ["002"]),
    node("004", "create_orders", "failed", ["002", "003"]),
  ],
  conflicts: findConflicts(migrations, tokenTableUses(migrations, "postgres"), "graph"),
};

const golden: Readonly<Record<GraphFormat, string>> = {
  text: `ordering: graph (each migration runs after the migrations it depends on)
001_create_users [applied]
002_add_email [applied] <- 001  (conflicts with 003)
003_add_phone [pending] <- 001  (conflicts with 002)
004_create_orders [failed] <- 002, 003

conflicts:
  002_add_email.sql and 003_add_phone.sql both alter table users, and neither depends on the other.
    fix: Declare a dependency (-- stratum:depends 002 in 003_add_phone.sql) so they run in a known order.
`,
  mermaid: `graph TD
  m001["001_create_users (applied)"]
  m002["002_add_email (applied)"]
  m003["003_add_phone (pending)"]
  m004["004_create_orders (failed)"]
  m001 --> m002
  m001 --> m003
  m002 --> m004
  m003 --> m004
  m002 -.-|users| m003
  classDef applied fill:#d4edda,stroke:#28a745
  classDef pending fill:#fff3cd,stroke:#b8860b
  classDef attention fill:#f8d7da,stroke:#721c24
  classDef conflict stroke:#dc3545,stroke-width:3px
  class m001,m002 applied
  class m003 pending
  class m004 attention
  class m002,m003 conflict
  linkStyle 4 stroke:#dc3545,stroke-dasharray:4 4
`,
  dot: `digraph migrations {
  rankdir=LR;
  node [shape=box, style="rounded,filled", fontname="Helvetica"];
  edge [fontname="Helvetica"];
  "m001" [label="001_create_users (applied)", fillcolor="#d4edda", color="#28a745"];
  "m002" [label="002_add_email (applied)", fillcolor="#d4edda", color="#dc3545", penwidth=2];
  "m003" [label="003_add_phone (pending)", fillcolor="#fff3cd", color="#dc3545", penwidth=2];
  "m004" [label="004_create_orders (failed)", fillcolor="#f8d7da", color="#721c24"];
  "m001" -> "m002";
  "m001" -> "m003";
  "m002" -> "m004";
  "m003" -> "m004";
  "m002" -> "m003" [style=dashed, color="#dc3545", fontcolor="#dc3545", dir=none, constraint=false, label="users"];
}
`,
};

describe("renderGraph: golden pictures", () => {
  it.each(["text", "mermaid", "dot"] as const)("%s", (format) => {
    expect(renderGraph(report, format)).toBe(golden[format]);
  });
});

describe("renderGraph: edge cases", () => {
  const linear: GraphReport = {
    ordering: "linear",
    nodes: [node("1", "a", "applied"), node("2", "b", "rolled_back", ["1"])],
    conflicts: [],
  };
  const empty: GraphReport = { ordering: "graph", nodes: [], conflicts: [] };

  const cases: readonly { name: string; report: GraphReport; format: GraphFormat; expected: string }[] = [
    {
      name: "text, linear ordering, no conflicts",
      report: linear,
      format: "text",
      expected: `ordering: linear (each migration runs after the previous version)
1_a [applied]
2_b [rolled_back] <- 1

conflicts: none
`,
    },
    {
      name: "mermaid, no conflicts: no conflict class, no link style; rolled back counts as pending",
      report: linear,
      format: "mermaid",
      expected: `graph TD
  m1["1_a (applied)"]
  m2["2_b (rolled_back)"]
  m1 --> m2
  classDef applied fill:#d4edda,stroke:#28a745
  classDef pending fill:#fff3cd,stroke:#b8860b
  classDef attention fill:#f8d7da,stroke:#721c24
  classDef conflict stroke:#dc3545,stroke-width:3px
  class m1 applied
  class m2 pending
`,
    },
    { name: "text, no migrations", report: empty, format: "text", expected: "ordering: graph (each migration runs after the migrations it depends on)\nno migrations\n\nconflicts: none\n" },
    {
      name: "dot, no migrations",
      report: empty,
      format: "dot",
      expected: `digraph migrations {
  rankdir=LR;
  node [shape=box, style="rounded,filled", fontname="Helvetica"];
  edge [fontname="Helvetica"];
}
`,
    },
  ];
  it.each(cases)("$name", ({ report: r, format, expected }) => {
    expect(renderGraph(r, format)).toBe(expected);
  });

  const tricky: GraphReport = {
    ordering: "graph",
    nodes: [
      node("010", 'say_"hi"', "pending"),
      node("10", "again", "changed", ["010", "999"]),
      node("011", "back\\slash", "missing", [], ["010"]),
    ],
    conflicts: [
      {
        code: "CONFLICT",
        message: "x",
        files: [],
        fix: "",
        severity: "warning",
        versions: ["011", "010"],
        table: 'we|ird"(t)',
      } as Problem,
    ],
  };

  it("mermaid: quotes and link syntax escaped, repeated versions get their own node, unknown dependencies dropped", () => {
    expect(renderGraph(tricky, "mermaid")).toBe(`graph TD
  m010["010_say_#quot;hi#quot; (pending)"]
  m10["10_again (changed)"]
  m011["011_back\\slash (missing)"]
  m010 --> m10
  m010 -.-|we#124;ird#34;#40;t#41;| m011
  classDef applied fill:#d4edda,stroke:#28a745
  classDef pending fill:#fff3cd,stroke:#b8860b
  classDef attention fill:#f8d7da,stroke:#721c24
  classDef conflict stroke:#dc3545,stroke-width:3px
  class m010 pending
  class m10,m011 attention
  class m010,m011 conflict
  linkStyle 1 stroke:#dc3545,stroke-dasharray:4 4
`);
  });

  it("dot: quotes and backslashes escaped; a conflict without a table has no label", () => {
    const withoutTable: GraphReport = { ...tricky, conflicts: [] };
    expect(renderGraph(withoutTable, "dot")).toBe(`digraph migrations {
  rankdir=LR;
  node [shape=box, style="rounded,filled", fontname="Helvetica"];
  edge [fontname="Helvetica"];
  "m010" [label="010_say_\\"hi\\" (pending)", fillcolor="#fff3cd", color="#dc3545", penwidth=2];
  "m10" [label="10_again (changed)", fillcolor="#f8d7da", color="#721c24"];
  "m011" [label="011_back\\\\slash (missing)", fillcolor="#f8d7da", color="#dc3545", penwidth=2];
  "m010" -> "m10";
  "m010" -> "m011" [style=dashed, color="#dc3545", fontcolor="#dc3545", dir=none, constraint=false];
}
`);
  });

  it("text: dependencies as declared, conflicts from either source", () => {
    expect(renderGraph(tricky, "text")).toBe(`ordering: graph (each migration runs after the migrations it depends on)
010_say_"hi" [pending]  (conflicts with 011)
10_again [changed] <- 010, 999
011_back\\slash [missing]  (conflicts with 010)

conflicts:
  x
`);
  });

  it("a pair sharing two tables is one link labelled with both", () => {
    const two = [sql("001_a", "update users set x = 1; update orders set y = 2;"), sql("002_b", "delete from orders; delete from users;")];
    const r: GraphReport = {
      ordering: "graph",
      nodes: [node("001", "a", "pending"), node("002", "b", "pending")],
      conflicts: findConflicts(two, tokenTableUses(two, "sqlite"), "graph"),
    };
    expect(r.conflicts).toHaveLength(2);
    expect(renderGraph(r, "mermaid")).toContain("  m001 -.-|orders, users| m002\n");
    expect(renderGraph(r, "dot")).toContain('label="orders, users"];');
  });
});
