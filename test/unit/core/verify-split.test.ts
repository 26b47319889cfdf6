// Where verify splits a set between shadows (src/core/verify-split.ts): the first part the largest,
// as the others replay what comes before them, and each part verifying at least 40 migrations.
import { describe, expect, it } from "vitest";
import { splitBounds } from "../../../src/core/verify-split.js";

describe("splitBounds", () => {
  const versions = (n: number) => Array.from({ length: n }, (_, i) => ({ version: String(i + 1).padStart(4, "0") })) as never as Parameters<typeof splitBounds>[0];

  it("one part under two parts' worth of migrations to verify (40 each, the first the larger)", () => {
    expect(splitBounds(versions(84), new Set(), 2)).toBeNull();
    expect(splitBounds(versions(85), new Set(), 2)).toEqual([0, 45, 85]);
    expect(splitBounds(versions(300), new Set(), 1)).toBeNull();
  });

  it("the first part is the largest: the others replay what comes before them", () => {
    expect(splitBounds(versions(300), new Set(), 2)).toEqual([0, 160, 300]);
    const three = splitBounds(versions(300), new Set(), 3)!;
    expect(three).toHaveLength(4);
    const sizes = three.slice(1).map((b, k) => b - three[k]!);
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    expect(sizes[1]).toBeGreaterThan(sizes[2]!);
  });

  it("fewer parts when asked for more than the set holds (at least 40 verified each)", () => {
    expect(splitBounds(versions(100), new Set(), 16)).toHaveLength(3);
  });

  it("migrations only replayed (--from, --pending) count as replays, and are not enough to split on", () => {
    const replayed = new Set(Array.from({ length: 250 }, (_, i) => String(i + 1).padStart(4, "0")));
    expect(splitBounds(versions(300), replayed, 2)).toBeNull();
    const bounds = splitBounds(versions(400), replayed, 2)!;
    expect(bounds[0]).toBe(0);
    expect(bounds[1]).toBeGreaterThan(250 + 40);
    expect(400 - bounds[1]!).toBeGreaterThanOrEqual(40);
  });
});
