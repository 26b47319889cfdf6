import type { TableUse } from "../../core/sql-facts.js";

export type Category = keyof TableUse;

/** Collects names per category, without duplicates, in order of first appearance. */
export interface TableSets {
  add(category: Category, name: string): void;
  result(): TableUse;
}

export function tableSets(): TableSets {
  const sets: Record<Category, Set<string>> = {
    creates: new Set(),
    alters: new Set(),
    drops: new Set(),
    writes: new Set(),
    reads: new Set(),
  };
  return {
    add: (category, name) => {
      sets[category].add(name);
    },
    result: () => ({
      creates: [...sets.creates],
      alters: [...sets.alters],
      drops: [...sets.drops],
      writes: [...sets.writes],
      reads: [...sets.reads],
    }),
  };
}

/** A statement's names, leaving out unqualified references to its CTEs. */
export function withoutCtes(local: TableSets, ctes: ReadonlySet<string>): TableUse {
  const result = local.result();
  if (ctes.size === 0) return result;
  const keep = (names: readonly string[]): string[] => names.filter((name) => !ctes.has(name));
  return { creates: keep(result.creates), alters: keep(result.alters), drops: keep(result.drops), writes: keep(result.writes), reads: keep(result.reads) };
}
