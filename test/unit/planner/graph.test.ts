import { describe, expect, it } from "vitest";
import {
  dependencyClosure,
  dependentsOf,
  mainFile,
  orderMigrations,
  predecessors,
} from "../../../src/core/graph.js";
import type { MigrationFile, Ordering, ProblemCode } from "../../../src/core/types.js";
import { many, migration, summary } from "./factories.js";
import { measureGrowth } from "../../support/growth.js";

const ids = (ms: readonly MigrationFile[]): string[] => ms.map((m) => m.id);

describe("orderMigrations: order", () => {
  const cases: {
    name: string;
    ordering: Ordering;
    migrations: MigrationFile[];
    order: string[];
  }[] = [
    {
      name: "linear sorts by version as integers",
      ordering: "linear",
      migrations: [migration("10_c"), migration("2_b"), migration("001_a")],
      order: ["001_a", "2_b", "10_c"],
    },
    {
      name: "linear ignores dependencies for order",
      ordering: "linear",
      migrations: [migration("003_c", { dependsOn: ["1"] }), migration("002_b"), migration("001_a")],
      order: ["001_a", "002_b", "003_c"],
    },
    {
      name: "graph with no dependencies is version order",
      ordering: "graph",
      migrations: [migration("003_c"), migration("001_a"), migration("002_b")],
      order: ["001_a", "002_b", "003_c"],
    },
    {
      name: "graph puts a dependency first even when its version is higher",
      ordering: "graph",
      migrations: [migration("001_a", { dependsOn: ["005"] }), migration("002_b"), migration("005_e")],
      order: ["002_b", "005_e", "001_a"],
    },
    {
      name: "graph breaks ties by version among ready migrations",
      ordering: "graph",
      migrations: [
        migration("001_root"),
        migration("004_d", { dependsOn: ["1"] }),
        migration("002_b", { dependsOn: ["004"] }),
        migration("003_c", { dependsOn: ["001_root"] }),
      ],
      order: ["001_root", "003_c", "004_d", "002_b"],
    },
    {
      name: "graph diamond",
      ordering: "graph",
      migrations: [
        migration("004_join", { dependsOn: ["2", "3"] }),
        migration("003_right", { dependsOn: ["1"] }),
        migration("002_left", { dependsOn: ["1"] }),
        migration("001_base"),
      ],
      order: ["001_base", "002_left", "003_right", "004_join"],
    },
    {
      name: "graph resolves full-id references and ignores repeated ones",
      ordering: "graph",
      migrations: [migration("002_b", { dependsOn: ["003_c", "3", "003"] }), migration("003_c")],
      order: ["003_c", "002_b"],
    },
  ];
  it.each(cases)("$name", ({ ordering, migrations, order }) => {
    const result = orderMigrations(migrations, ordering);
    expect(result.problems).toEqual([]);
    expect(ids(result.order)).toEqual(order);
  });
});

describe("orderMigrations: problems", () => {
  const cases: {
    name: string;
    ordering: Ordering;
    migrations: MigrationFile[];
    problems: string[];
    message?: RegExp;
  }[] = [
    {
      name: "unknown dependency",
      ordering: "graph",
      migrations: [migration("001_a"), migration("002_b", { dependsOn: ["009"] })],
      problems: ["UNKNOWN_DEPENDENCY 002_b.sql"],
      message: /002_b depends on 009/,
    },
    {
      name: "unknown dependency by id with the wrong slug",
      ordering: "linear",
      migrations: [migration("001_a"), migration("002_b", { dependsOn: ["001_wrong"] })],
      problems: ["UNKNOWN_DEPENDENCY 002_b.sql"],
    },
    {
      name: "self dependency",
      ordering: "graph",
      migrations: [migration("001_a", { dependsOn: ["1"] })],
      problems: ["SELF_DEPENDENCY 001_a.sql"],
      message: /depends on itself/,
    },
    {
      name: "forward dependency in linear mode names both files",
      ordering: "linear",
      migrations: [migration("001_a", { dependsOn: ["2"] }), migration("002_b")],
      problems: ["FORWARD_DEPENDENCY 001_a.sql 002_b.sql"],
      message: /001_a depends on the later 002_b/,
    },
    {
      name: "forward dependency is fine in graph mode",
      ordering: "graph",
      migrations: [migration("001_a", { dependsOn: ["2"] }), migration("002_b")],
      problems: [],
    },
    {
      name: "two-node cycle prints the path",
      ordering: "graph",
      migrations: [migration("003_a", { dependsOn: ["5"] }), migration("005_b", { dependsOn: ["3"] })],
      problems: ["DEPENDENCY_CYCLE 003_a.sql 005_b.sql"],
      message: /003_a → 005_b → 003_a/,
    },
    {
      name: "three-node cycle prints the path in depends-on order",
      ordering: "graph",
      migrations: [
        migration("001_ok"),
        migration("002_x", { dependsOn: ["4"] }),
        migration("003_y", { dependsOn: ["2"] }),
        migration("004_z", { dependsOn: ["3"] }),
        migration("005_after", { dependsOn: ["4"] }),
      ],
      problems: ["DEPENDENCY_CYCLE 002_x.sql 004_z.sql 003_y.sql"],
      message: /002_x → 004_z → 003_y → 002_x/,
    },
    {
      name: "two separate cycles are two problems",
      ordering: "graph",
      migrations: [
        migration("001_a", { dependsOn: ["2"] }),
        migration("002_b", { dependsOn: ["1"] }),
        migration("007_c", { dependsOn: ["8"] }),
        migration("008_d", { dependsOn: ["7"] }),
      ],
      problems: ["DEPENDENCY_CYCLE 001_a.sql 002_b.sql", "DEPENDENCY_CYCLE 007_c.sql 008_d.sql"],
    },
    {
      name: "a cycle in linear mode is reported alongside the forward dependency",
      ordering: "linear",
      migrations: [migration("003_a", { dependsOn: ["5"] }), migration("005_b", { dependsOn: ["3"] })],
      problems: ["FORWARD_DEPENDENCY 003_a.sql 005_b.sql", "DEPENDENCY_CYCLE 003_a.sql 005_b.sql"],
      message: /003_a → 005_b → 003_a/,
    },
    {
      name: "every problem at once",
      ordering: "linear",
      migrations: [
        migration("001_a", { dependsOn: ["1", "77"] }),
        migration("002_b", { dependsOn: ["3"] }),
        migration("003_c"),
      ],
      problems: ["UNKNOWN_DEPENDENCY 001_a.sql", "SELF_DEPENDENCY 001_a.sql", "FORWARD_DEPENDENCY 002_b.sql 003_c.sql"],
    },
    {
      name: "pair layout points at the .up.sql file",
      ordering: "graph",
      migrations: [migration("001_a", { pair: true, dependsOn: ["9"] })],
      problems: ["UNKNOWN_DEPENDENCY 001_a.up.sql"],
    },
  ];
  it.each(cases)("$name", ({ ordering, migrations, problems, message }) => {
    const result = orderMigrations(migrations, ordering);
    expect(summary(result.problems).sort()).toEqual([...problems].sort());
    for (const p of result.problems) {
      expect(p.severity).toBe("error");
      expect(p.fix.length).toBeGreaterThan(0);
    }
    if (message) expect(result.problems.map((p) => p.message).join("\n")).toMatch(message);
    // Every migration is still in the order, even those in a cycle.
    expect(result.order).toHaveLength(migrations.length);
  });

  it("reports members of a cycle group that are not on the printed path", () => {
    const result = orderMigrations(
      [
        migration("001_a", { dependsOn: ["2"] }),
        migration("002_b", { dependsOn: ["1", "3"] }),
        migration("003_c", { dependsOn: ["2"] }),
      ],
      "graph",
    );
    expect(result.problems.map((p) => p.code)).toEqual<ProblemCode[]>(["DEPENDENCY_CYCLE"]);
    const [p] = result.problems;
    expect(p?.message).toMatch(/001_a → 002_b → 001_a/);
    expect(p?.message).toMatch(/003_c/);
    expect(p?.files).toEqual(["001_a.sql", "002_b.sql", "003_c.sql"]);
  });

  it("finds a cycle in a long chain without recursion limits", () => {
    const n = 5000;
    const ms = many(n, (i) => [String(i === 1 ? n : i - 1)]);
    const result = orderMigrations(ms, "graph");
    expect(result.problems.map((p) => p.code)).toEqual(["DEPENDENCY_CYCLE"]);
    expect(result.problems[0]?.files).toHaveLength(n);
  });
});

describe("dependencyClosure and dependentsOf", () => {
  const ms = [
    migration("001_base"),
    migration("002_users", { dependsOn: ["1"] }),
    migration("003_orders", { dependsOn: ["2"] }),
    migration("004_unrelated"),
    migration("005_report", { dependsOn: ["003", "004_unrelated"] }),
  ];
  it.each([
    ["5", ["001_base", "002_users", "003_orders", "004_unrelated", "005_report"]],
    ["003_orders", ["001_base", "002_users", "003_orders"]],
    ["1", ["001_base"]],
    ["9", []],
  ])("closure of %s", (ref, expected) => {
    expect(ids(dependencyClosure(ref, ms))).toEqual(expected);
  });
  it.each([
    ["1", ["002_users", "003_orders", "005_report"]],
    ["004", ["005_report"]],
    ["5", []],
    ["9", []],
  ])("dependents of %s", (ref, expected) => {
    expect(ids(dependentsOf(ref, ms))).toEqual(expected);
  });
});

describe("predecessors", () => {
  const a = migration("001_a");
  const b = migration("002_b", { dependsOn: ["1"] });
  const c = migration("003_c");
  const d = migration("004_d", { dependsOn: ["2", "3", "99"] });
  it("linear: the previous step", () => {
    const steps = [a, b, c].map((migration) => ({ direction: "up" as const, migration }));
    expect(predecessors(steps, "linear")).toEqual([[], ["001"], ["002"]]);
  });
  it("graph up: declared dependencies that are in the plan", () => {
    const steps = [b, c, d].map((migration) => ({ direction: "up" as const, migration }));
    expect(predecessors(steps, "graph")).toEqual([[], [], ["002", "003"]]);
  });
  it("graph down: dependents in the plan go first", () => {
    const steps = [d, c, b, a].map((migration) => ({ direction: "down" as const, migration }));
    expect(predecessors(steps, "graph")).toEqual([[], ["004"], ["004"], ["002"]]);
  });
});

describe("mainFile", () => {
  it.each([
    [migration("001_a"), "001_a.sql"],
    [migration("001_a", { pair: true }), "001_a.up.sql"],
    [migration("001_a", { kind: "code" }), "001_a.ts"],
  ])("%#", (m, file) => {
    expect(mainFile(m)).toBe(file);
  });
});

describe("orderMigrations: scale", () => {
  // Each migration depends on up to three earlier ones, declared out of version order sometimes.
  const dense = (n: number): MigrationFile[] =>
    many(n, (i) => (i === 1 ? [] : [String(i - 1), String(Math.max(1, i - 7)), String(Math.ceil(i / 2))])).reverse();

  it("orders 5000 migrations with dense dependencies in graph mode without a quadratic step", () => {
    const n = 5000;
    const reversed = dense(n);
    orderMigrations(reversed, "graph"); // warm up
    const result = orderMigrations(reversed, "graph");
    expect(result.problems).toEqual([]);
    expect(result.order).toHaveLength(n);
    const position = new Map(result.order.map((m, i) => [m.version, i]));
    for (const m of result.order) {
      for (const dep of m.options.dependsOn) {
        expect(position.get(dep.padStart(5, "0")) ?? -1).toBeLessThan(position.get(m.version) ?? -1);
      }
    }
    const growth = measureGrowth((scale) => dense(Math.round(n * scale)), (ms) => orderMigrations(ms, "graph"), 500);
    expect(growth.ok, growth.report).toBe(true);
  });

  it("graph order for 5000 independent migrations fed in reverse is version order", () => {
    const ms = many(5000);
    const result = orderMigrations([...ms].reverse(), "graph");
    expect(result.order.map((m) => m.id)).toEqual(ms.map((m) => m.id));
    const growth = measureGrowth((scale) => many(Math.round(5000 * scale)).reverse(), (input) => orderMigrations(input, "graph"), 500);
    expect(growth.ok, growth.report).toBe(true);
  });
});
