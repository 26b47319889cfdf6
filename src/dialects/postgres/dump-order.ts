// Dependency order for the schema file: pure, and deterministic whatever order the items come in.

import { byText } from "../../core/schema/model.js";

export interface Dependent {
  /** Unique among the items. */
  readonly key: string;
  /** Sorts items that do not depend on each other (compared as text, then by key). */
  readonly rank?: string;
  /** Keys this item needs first; keys of no item are ignored. */
  readonly needs: readonly string[];
}

/**
 * The items with everything each needs before it. Independent items keep their (rank, key)
 * order; a cycle (which the server does not allow between these objects) is broken at the item
 * reached first, so the result is still a permutation of the input.
 */
export function dependencyOrder<T extends Dependent>(items: readonly T[]): T[] {
  const order = (a: T, b: T): number => byText(a.rank ?? "", b.rank ?? "") || byText(a.key, b.key);
  const sorted = [...items].sort(order);
  const byKey = new Map(sorted.map((item) => [item.key, item]));
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const result: T[] = [];
  const visit = (item: T): void => {
    if (placed.has(item.key) || visiting.has(item.key)) return;
    visiting.add(item.key);
    const needs = [...new Set(item.needs)]
      .map((key) => byKey.get(key))
      .filter((need): need is T => need !== undefined && need.key !== item.key)
      .sort(order);
    for (const need of needs) visit(need);
    visiting.delete(item.key);
    placed.add(item.key);
    result.push(item);
  };
  for (const item of sorted) visit(item);
  return result;
}
