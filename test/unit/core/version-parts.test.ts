// Versions in parts (Flyway's `1.1`, `2024.01.05.1`, `1_1`): what is a version, its canonical key,
// and the order, which must be Flyway's (part by part as integers) and, for digits alone,
// exactly the integer order Stratum always had.

import { describe, expect, it } from "vitest";
import { AppliedVersions } from "../../../src/core/applied-versions.js";
import {
  compareMigrations,
  compareVersions,
  idReadings,
  indexByVersion,
  isVersion,
  isVersionRef,
  matchesVersion,
  sortedMigrations,
  versionKey,
} from "../../../src/core/version.js";
import { readModule } from "../../../src/source/code-loader.js";
import { migration } from "../planner/factories.js";

describe("isVersion", () => {
  it.each([
    ["001", true],
    ["20240105120000", true],
    ["1.1", true],
    ["2024.01.05.1", true],
    ["1_1", true],
    ["1.1_2", true],
    [" 1.1 ", true],
    ["", false],
    ["1.", false],
    [".1", false],
    ["1..1", false],
    ["1__1", false],
    ["1.a", false],
    ["v1", false],
    ["-1", false],
    ["1 1", false],
  ])("%j → %s", (v, expected) => {
    expect(isVersion(v)).toBe(expected);
  });
});

describe("versionKey", () => {
  it.each([
    ["001", "1"],
    ["000", "0"],
    ["1.0", "1"],
    ["1.0.0", "1"],
    ["0.0", "0"],
    ["1_1", "1.1"],
    ["1.01", "1.1"],
    ["01.10", "1.10"],
    ["2024.01.05.1", "2024.1.5.1"],
    ["1.0.1", "1.0.1"],
    ["20261121093000", "20261121093000"],
    [" 1_1 ", "1.1"],
    ["1..1", "1..1"],
  ])("%j → %j", (input, expected) => {
    expect(versionKey(input)).toBe(expected);
  });
});

describe("compareVersions", () => {
  // each strictly below the next
  const ascending = ["0", "0.1", "1", "1.0.1", "1.1", "1.1.1", "1.2", "1.10", "2", "9", "10", "10.0.1", "999", "2024.01.05.1", "2024.1.5.2", "2024.01.06", "20240105120000"];

  it("orders the table strictly ascending, both ways round", () => {
    for (let i = 0; i < ascending.length; i++) {
      for (let j = 0; j < ascending.length; j++) {
        const [a, b] = [ascending[i] as string, ascending[j] as string];
        expect([a, b, Math.sign(compareVersions(a, b))]).toEqual([a, b, Math.sign(i - j)]);
      }
    }
  });

  it("sorts a shuffled list into the table", () => {
    const shuffled = [...ascending].reverse().sort((a, b) => (a.length % 3) - (b.length % 3));
    expect(shuffled.sort(compareVersions)).toEqual(ascending);
  });

  it.each([
    ["1.0", "1"],
    ["1_1", "1.1"],
    ["001", "1"],
    ["1.0.0", "1"],
    ["01.001", "1.1"],
    ["2024_01_05_1", "2024.1.5.1"],
    [" 1.1", "1.1 "],
  ])("%j equals %j, and their keys are equal", (a, b) => {
    expect(compareVersions(a, b)).toBe(0);
    expect(compareVersions(b, a)).toBe(0);
    expect(versionKey(a)).toBe(versionKey(b));
  });

  it("agrees with a part-by-part BigInt comparison on many versions", () => {
    const values = ["0", "00", "1", "01", "1.0", "1.00.0", "1_0_1", "1.1", "1.01", "1.9", "1.10", "2", "9", "10", "099.1", "100", "1.2.3", "1.2.3.0", "1.2.10", "12345678901234567890", "12345678901234567890.1", "012345678901234567891"];
    const reference = (a: string, b: string): number => {
      const pa = a.split(/[._]/).map(BigInt);
      const pb = b.split(/[._]/).map(BigInt);
      for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const [x, y] = [pa[i] ?? 0n, pb[i] ?? 0n];
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    };
    for (const a of values) {
      for (const b of values) {
        expect([a, b, Math.sign(compareVersions(a, b))]).toEqual([a, b, reference(a, b)]);
        expect([a, b, versionKey(a) === versionKey(b)]).toEqual([a, b, reference(a, b) === 0]);
      }
    }
  });

  it("puts what is not a version after every version, and never throws", () => {
    expect(Math.sign(compareVersions("2024.01.05.1", "1..1"))).toBe(-1);
    expect(Math.sign(compareVersions("1.", "1"))).toBe(1);
    expect(Math.sign(compareVersions("abc", "abd"))).toBe(-1);
    expect(compareVersions("abc", "abc")).toBe(0);
  });
});

describe("migrations with versions in parts", () => {
  const ids = ["2_e", "1.10_d", "1_a", "1.2_c", "1.1_b", "2024.01.05.1_f"];
  it("sort part by part, and a sorted list is returned as it is", () => {
    const sorted = sortedMigrations(ids.map((id) => migration(id)));
    expect(sorted.map((m) => m.id)).toEqual(["1_a", "1.1_b", "1.2_c", "1.10_d", "2_e", "2024.01.05.1_f"]);
    expect(sortedMigrations(sorted)).toBe(sorted);
  });

  it("a version written two ways sorts by id", () => {
    expect(Math.sign(compareMigrations(migration("1.0_b"), migration("1_a")))).toBe(-1); // "." < "_"
    expect(Math.sign(compareMigrations(migration("1_a"), migration("1.0_b")))).toBe(1);
    expect(Math.sign(compareMigrations(migration("1_a"), migration("1.0.1_a")))).toBe(-1);
  });
});

describe("references to versions in parts", () => {
  it.each([
    ["1_1", [{ version: "1", name: "1" }]],
    ["1.1", []],
    ["1.1_add_users", [{ version: "1.1", name: "add_users" }]],
    ["1.1__add_users", [{ version: "1.1", name: "add_users" }]],
    ["1_1_add", [{ version: "1", name: "1_add" }, { version: "1_1", name: "add" }]],
    ["003_add_users", [{ version: "003", name: "add_users" }]],
    ["add_users", []],
    ["1_", []],
  ])("%j reads as %j", (ref, readings) => {
    expect(idReadings(ref)).toEqual(readings);
  });

  it.each([
    ["1.1", true],
    ["2024.01.05.1", true],
    ["1.1_add_users", true],
    ["003_add_users", true],
    ["1..1", false],
    ["latest", false],
    ["_1", false],
  ])("isVersionRef(%j) → %s", (ref, expected) => {
    expect(isVersionRef(ref)).toBe(expected);
  });

  const m = migration("1.1_add_users");
  it.each([
    ["1.1", true],
    ["1.01", true],
    ["1_1", true],
    ["1.1.0", true],
    ["1.1_add_users", true],
    ["1_1_add_users", true],
    ["1.1__add_users", true],
    ["1.10", false],
    ["1", false],
    ["11", false],
    ["1.1_other", false],
  ])("matchesVersion(1.1_add_users, %j) → %s", (ref, expected) => {
    expect(matchesVersion(m, ref)).toBe(expected);
  });

  const all = [migration("1_base"), migration("1.1_a"), migration("1.10_b"), migration("2024.01.05.1_c")];
  const index = indexByVersion(all);
  it.each([
    ["1", ["1_base"]],
    ["1.0", ["1_base"]],
    ["1.1", ["1.1_a"]],
    ["1.10", ["1.10_b"]],
    ["1.1_a", ["1.1_a"]],
    ["2024.1.5.1", ["2024.01.05.1_c"]],
    ["2024_01_05_1_c", ["2024.01.05.1_c"]],
    ["1.2", []],
  ])("indexByVersion resolves %j", (ref, expected) => {
    expect(index.resolve(ref).map((x) => x.id)).toEqual(expected);
  });

  it("a ref that is both a version and an id is the version first, then the id", () => {
    // `1_1` is version 1.1; only when no migration has it does it name `001_1`
    expect(indexByVersion([migration("001_1"), migration("1.1_a")]).resolve("1_1").map((x) => x.id)).toEqual(["1.1_a"]);
    expect(indexByVersion([migration("001_1"), migration("1.2_a")]).resolve("1_1").map((x) => x.id)).toEqual(["001_1"]);
    expect(matchesVersion(migration("001_1"), "1_1")).toBe(true);
  });
});

describe("AppliedVersions", () => {
  it("holds versions in parts without throwing, one key per version", () => {
    const set = new AppliedVersions(["1", "1.10", "1.2"]);
    expect(set.has("1.0")).toBe(true);
    expect(set.has("1_2")).toBe(true);
    expect(set.has("1.1")).toBe(false);
    set.add("1.1");
    set.add("1.01");
    expect(set.has("1.1")).toBe(true);
    set.delete("1.1.0");
    expect(set.has("1.1")).toBe(false);
    expect(set.has("1.10")).toBe(true);
  });

  it("head is the highest version when it is a whole number, -1 when it has parts, 0 when empty", () => {
    expect(new AppliedVersions().head).toBe(0n);
    expect(new AppliedVersions(["1.1", "3", "002"]).head).toBe(3n);
    expect(new AppliedVersions(["3", "3.1"]).head).toBe(-1n);
    expect(new AppliedVersions(["3", "3.0"]).head).toBe(3n);
  });
});

describe("a code migration's declared version, in parts", () => {
  const migration = { version: "1.1" };
  const up = async (): Promise<void> => {};
  it.each([["1.1"], ["1_1"], ["1.1.0"], [1.1]])("%j matches 1.1", (version) => {
    expect(readModule(migration, "V1.1__x.ts", { up, version }).problems).toEqual([]);
  });

  it("1.10 does not match 1.1, and says which file says what", () => {
    const [problem] = readModule(migration, "V1.1__x.ts", { up, version: "1.10" }).problems;
    expect(problem?.code).toBe("VERSION_MISMATCH");
    expect(problem?.message).toBe("V1.1__x.ts declares version 1.10 but its file name says 1.1.");
  });

  it("a declared version that is not a version is refused", () => {
    expect(readModule(migration, "V1.1__x.ts", { up, version: "1..1" }).problems.map((p) => p.code)).toEqual(["BAD_DIRECTIVE"]);
  });
});
