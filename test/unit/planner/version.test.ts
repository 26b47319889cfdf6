import { describe, expect, it } from "vitest";
import { compareVersions, indexByVersion, matchesVersion, versionGroups, versionKey } from "../../../src/core/version.js";
import { migration } from "./factories.js";

describe("versionKey", () => {
  it.each([
    ["001", "1"],
    ["1", "1"],
    ["000", "0"],
    ["0", "0"],
    ["20261121093000", "20261121093000"],
    [" 007 ", "7"],
    ["abc", "abc"],
  ])("%j → %j", (input, expected) => {
    expect(versionKey(input)).toBe(expected);
  });
});

describe("compareVersions", () => {
  it.each([
    ["001", "1", 0],
    ["1", "2", -1],
    ["9", "10", -1],
    ["010", "9", 1],
    ["20261121093000", "999", 1],
    ["99999999999999999999", "100000000000000000000", -1],
    ["0", "000", 0],
    ["5", "abc", -1],
    ["abc", "5", 1],
  ])("%s vs %s → %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });

  it("agrees with BigInt comparison", () => {
    const values = ["0", "00", "1", "01", "9", "10", "099", "100", "12345678901234567890", "012345678901234567891"];
    for (const a of values) {
      for (const b of values) {
        const x = BigInt(a);
        const y = BigInt(b);
        expect(Math.sign(compareVersions(a, b))).toBe(x < y ? -1 : x > y ? 1 : 0);
      }
    }
  });
});

describe("matchesVersion", () => {
  const m = migration("003_add_users");
  it.each([
    ["3", true],
    ["003", true],
    ["0003", true],
    ["003_add_users", true],
    ["3_add_users", true],
    ["003_other", false],
    ["4", false],
    ["add_users", false],
    ["", false],
  ])("%j → %s", (ref, expected) => {
    expect(matchesVersion(m, ref)).toBe(expected);
  });
});

describe("indexByVersion", () => {
  const all = [migration("001_a"), migration("003_b"), migration("003_c"), migration("010_d")];
  const index = indexByVersion(all);
  it.each([
    ["1", ["001_a"]],
    ["003", ["003_b", "003_c"]],
    ["3_c", ["003_c"]],
    ["10", ["010_d"]],
    ["2", []],
    ["nope", []],
  ])("resolves %j", (ref, ids) => {
    expect(index.resolve(ref).map((m) => m.id)).toEqual(ids);
    expect(all.filter((m) => matchesVersion(m, ref)).map((m) => m.id)).toEqual(ids);
  });
});

describe("versionGroups", () => {
  const item = (version: string, name: string) => ({ version, name });

  it("is null when no two items share a version, thousands of them included", () => {
    expect(versionGroups([item("1", "a"), item("2", "b"), item("1.1", "c")])).toBeNull();
    expect(versionGroups(Array.from({ length: 5000 }, (_, i) => item(String(i + 1).padStart(5, "0"), `m${i}`)))).toBeNull();
    expect(versionGroups([])).toBeNull();
  });

  it("groups items whose versions are the same as versions, in the items' order, by each group's first item", () => {
    const groups = versionGroups([item("002", "b"), item("1", "a"), item("2", "b2"), item("001", "a2"), item("3", "c"), item("1.0", "a3"), item("2_0", "b3")]);
    expect(groups?.map((g) => g.map((i) => i.name))).toEqual([
      ["b", "b2", "b3"],
      ["a", "a2", "a3"],
    ]);
  });
});
