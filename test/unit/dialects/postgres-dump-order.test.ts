// The schema file's dependency order: what an item needs comes first, independent items keep
// their (rank, key) order, and the result does not depend on the order the items came in.
import { describe, expect, it } from "vitest";
import { dependencyOrder, type Dependent } from "../../../src/dialects/postgres/dump-order.js";

const keys = (items: readonly Dependent[]): string[] => dependencyOrder(items).map((i) => i.key);

describe("dependencyOrder", () => {
  it("sorts independent items by rank, then key", () => {
    expect(keys([{ key: "b", needs: [] }, { key: "a", rank: "2", needs: [] }, { key: "c", rank: "1", needs: [] }])).toEqual(["b", "c", "a"]);
  });

  it("puts what an item needs before it, through chains", () => {
    const views = [
      { key: "app.a_summary", needs: ["app.b_orders"] },
      { key: "app.b_orders", needs: ["app.c_base", "app.orders"] }, // app.orders is a table: not an item, ignored
      { key: "app.c_base", needs: [] },
      { key: "app.d_other", needs: [] },
    ];
    expect(keys(views)).toEqual(["app.c_base", "app.b_orders", "app.a_summary", "app.d_other"]);
  });

  it("gives the same order whatever order the items come in", () => {
    const items: Dependent[] = [
      { key: "p", needs: [] },
      { key: "p_2025", needs: ["p"] },
      { key: "a_part", needs: ["z"] },
      { key: "z", needs: [] },
      { key: "m", rank: "2", needs: ["a_part"] },
    ];
    const expected = ["z", "a_part", "p", "p_2025", "m"];
    expect(keys(items)).toEqual(expected);
    expect(keys([...items].reverse())).toEqual(expected);
    expect(keys([items[2]!, items[4]!, items[0]!, items[3]!, items[1]!])).toEqual(expected);
  });

  it("keeps every item once when there is a cycle or a self-reference", () => {
    expect(keys([{ key: "a", needs: ["b", "a"] }, { key: "b", needs: ["a"] }])).toEqual(["b", "a"]);
  });
});
