// findConflicts at scale, and against a naive oracle on random graphs (cycles included).

import { describe, expect, it } from "vitest";
import { findConflicts, type TableUse } from "../../../src/core/conflicts.js";
import type { MigrationFile } from "../../../src/core/types.js";
import { seededRandom } from "../../support/seeded-random.js";
import { measureGrowth } from "../../support/growth.js";
import { pad, sql, use } from "./factories.js";

function build(
  count: number,
  dependsOn: (i: number) => readonly number[],
  useOf: (i: number) => TableUse,
): { migrations: MigrationFile[]; uses: Map<string, TableUse> } {
  const migrations: MigrationFile[] = [];
  const uses = new Map<string, TableUse>();
  for (let i = 0; i < count; i++) {
    const m = sql(`${pad(i)}_m${i}`, "select 1;", dependsOn(i).map((d) => pad(d)));
    migrations.push(m);
    uses.set(m.version, useOf(i));
  }
  return { migrations, uses };
}

describe("findConflicts at scale", () => {
  it("5000 migrations, 300 tables (a few hot ones), dependencies mostly declared, without a quadratic step", () => {
    // Each migration alters one table (most often a popular one) and reads one or two, and depends
    // on the last migration that touched each of them, except one in fifty that forgets one.
    const project = (count: number): ReturnType<typeof build> => {
      const random = seededRandom(7);
      const table = (): string => `t${Math.floor(300 * random() ** 3)}`;
      const lastTouch = new Map<string, number>();
      const tablesOf: string[][] = [];
      return build(
        count,
        (i) => {
          const touched = [table(), table(), ...(random() < 0.5 ? [table()] : [])];
          tablesOf[i] = touched;
          const deps = touched.map((t) => lastTouch.get(t)).filter((d): d is number => d !== undefined);
          if (random() < 0.02) deps.pop();
          for (const t of touched) lastTouch.set(t, i);
          return deps;
        },
        (i) => {
          const [altered, ...read] = tablesOf[i] as string[];
          return use({ alters: [altered as string], reads: read });
        },
      );
    };
    const { migrations, uses } = project(5000);
    findConflicts(migrations.slice(0, 200), uses, "graph"); // warm up
    expect(findConflicts(migrations, uses, "graph").length).toBeGreaterThan(10);
    const growth = measureGrowth(
      (scale) => project(Math.round(5000 * scale)),
      (p) => findConflicts(p.migrations, p.uses, "graph"),
      300,
    );
    expect(growth.ok, growth.report).toBe(true);
  });

  it("20 000 conflicts are reported in time linear in their number", () => {
    // n unrelated migrations altering one table conflict pairwise: n(n-1)/2 of them, so a tenth of
    // the conflicts comes from about a third of the migrations.
    const project = (scale: number): ReturnType<typeof build> =>
      build(
        Math.round(201 * Math.sqrt(scale)),
        () => [],
        () => use({ alters: ["users"] }),
      );
    const { migrations, uses } = project(1);
    expect(findConflicts(migrations, uses, "graph")).toHaveLength(20_100);
    const growth = measureGrowth(project, (p) => findConflicts(p.migrations, p.uses, "graph"), 300);
    expect(growth.ok, growth.report).toBe(true);
  });

  it("a chain of 5000 migrations all altering one table: 12.5 million ordered pairs, no conflict, in time linear in the pairs", () => {
    // Every pair is decided (by bitset reachability), so a tenth of the pairs is about a third of the chain.
    const project = (scale: number): ReturnType<typeof build> =>
      build(
        Math.round(5000 * Math.sqrt(scale)),
        (i) => (i === 0 ? [] : [i - 1]),
        () => use({ alters: ["users"] }),
      );
    const { migrations, uses } = project(1);
    findConflicts(migrations.slice(0, 200), uses, "graph");
    expect(findConflicts(migrations, uses, "graph")).toEqual([]);
    const growth = measureGrowth(project, (p) => findConflicts(p.migrations, p.uses, "graph"), 300);
    expect(growth.ok, growth.report).toBe(true);
  });

  it("more migrations than one bitset chunk holds: every pair still decided once", () => {
    // A chain of 9000 (all altering users) and one migration beside it that depends on the
    // chain's 101st member and is depended on by its 8001st: it conflicts with members 101..7999.
    const chain = 9000;
    const side = chain;
    const { migrations, uses } = build(
      chain + 1,
      (i) => (i === side ? [100] : i === 0 ? [] : i === 8000 ? [i - 1, side] : [i - 1]),
      () => use({ alters: ["users"] }),
    );
    const problems = findConflicts(migrations, uses, "graph");
    expect(problems).toHaveLength(7899);
    expect(problems[0]?.versions).toEqual([pad(101), pad(side)]);
    expect(problems.at(-1)?.versions).toEqual([pad(7999), pad(side)]);
  });
});

describe("findConflicts matches a naive oracle", () => {
  /** Pairs (by version) with a shared table, a writer among them, and no path either way (BFS). */
  function oracle(migrations: readonly MigrationFile[], uses: ReadonlyMap<string, TableUse>): string[] {
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    const reaches = (from: MigrationFile, to: MigrationFile): boolean => {
      const seen = new Set<MigrationFile>([from]);
      const queue = [from];
      for (let head = 0; head < queue.length; head++) {
        for (const ref of (queue[head] as MigrationFile).options.dependsOn) {
          const next = byVersion.get(ref);
          if (next === undefined || seen.has(next)) continue;
          if (next === to) return true;
          seen.add(next);
          queue.push(next);
        }
      }
      return false;
    };
    const touches = (u: TableUse): Map<string, boolean> => {
      const map = new Map<string, boolean>();
      for (const t of u.reads) map.set(t, false);
      for (const t of [...u.writes, ...u.alters, ...u.creates, ...u.drops]) map.set(t, true);
      return map;
    };
    const out: string[] = [];
    for (let i = 0; i < migrations.length; i++) {
      for (let j = i + 1; j < migrations.length; j++) {
        const a = migrations[i] as MigrationFile;
        const b = migrations[j] as MigrationFile;
        const ta = touches(uses.get(a.version) ?? use({}));
        const tb = touches(uses.get(b.version) ?? use({}));
        const related = reaches(a, b) || reaches(b, a);
        for (const [table, writesA] of [...ta].sort(([x], [y]) => (x < y ? -1 : 1))) {
          const writesB = tb.get(table);
          if (writesB === undefined || (!writesA && !writesB) || related) continue;
          out.push(`${a.version}-${b.version}:${table}`);
        }
      }
    }
    return out;
  }

  it.each(Array.from({ length: 40 }, (_, seed) => ({ seed })))("random graph, seed $seed", ({ seed }) => {
    const random = seededRandom(seed + 1);
    const n = 20 + Math.floor(random() * 40);
    const tables = ["a", "b", "c", "d", "e"];
    const pick = (): string => tables[Math.floor(random() * tables.length)] as string;
    // Dependencies in any direction: graph mode allows them, and some close cycles.
    const { migrations, uses } = build(
      n,
      (i) => Array.from({ length: Math.floor(random() * 3) }, () => Math.floor(random() * n)).filter((d) => d !== i),
      () => {
        const r = random();
        return r < 0.4 ? use({ reads: [pick()] }) : r < 0.8 ? use({ writes: [pick()], reads: [pick()] }) : use({ creates: [pick()] });
      },
    );
    const problems = findConflicts(migrations, uses, "graph");
    expect(problems.map((p) => `${p.versions[0]}-${p.versions[1]}:${p.table}`)).toEqual(oracle(migrations, uses));
  });
});
