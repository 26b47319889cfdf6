// Choosing targets: `--target <name|glob>` (repeatable) or `--all-targets`, in the fleet's order,
// each target once; a choice that matches nothing is one sentence naming the closest names.

import { describe, expect, it } from "vitest";

import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { useVocabulary } from "../../../src/core/vocabulary.js";
import { globToRegExp, selectTargets } from "../../../src/fleet/select.js";
import { errorOf } from "../../support/config-errors.js";

useVocabulary(cliVocabulary);

const FROM = '"targets" in stratum.config.json';
const fleet = ["eu-1", "eu-2", "eu-10", "us-1", "us-2", "ap-south", "[x]"].map((name) => ({ name, url: `postgres://db/${name}` }));
const names = (chosen: readonly { name: string }[]) => chosen.map((target) => target.name);

describe("globToRegExp", () => {
  const cases: readonly (readonly [string, readonly string[], readonly string[]])[] = [
    // glob, matches, does not match
    ["eu-1", ["eu-1"], ["eu-10", "xeu-1", "EU-1"]],
    ["eu-*", ["eu-", "eu-1", "eu-10", "eu-a/b"], ["us-1", "eu"]],
    ["*-1", ["eu-1", "us-1"], ["eu-10"]],
    ["eu-?", ["eu-1", "eu-x"], ["eu-10", "eu-"]],
    ["eu-[12]", ["eu-1", "eu-2"], ["eu-3", "eu-12"]],
    ["eu-[0-9]", ["eu-0", "eu-7"], ["eu-a"]],
    ["eu-[!1]", ["eu-2", "eu-a"], ["eu-1"]],
    ["eu-[^1]", ["eu-2"], ["eu-1"]],
    ["a.b+c", ["a.b+c"], ["axb+c", "a.bbc"]],
    ["(x)|y", ["(x)|y"], ["x", "y"]],
    ["\\*", ["*"], ["a"]],
    ["[]]", ["]"], ["a"]],
    ["[a-", ["[a-"], ["a"]],
    ["$^{}", ["$^{}"], [""]],
  ];
  it.each(cases)("%s", (glob, yes, no) => {
    const pattern = globToRegExp(glob);
    for (const text of yes) expect(pattern.test(text), `${glob} ~ ${text}`).toBe(true);
    for (const text of no) expect(pattern.test(text), `${glob} !~ ${text}`).toBe(false);
  });
});

describe("selectTargets: bad choices", () => {
  it("refuses no choice at all, saying what to pass", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: [], all: false }, FROM));
    expect(error.message).toBe("no targets chosen: pass --target <name|glob> (repeatable) or --all-targets");
    expect(error.code).toBe("USAGE");
    expect(error.exitCode).toBe(2);
    expect(error.fix).toBe("Pass --target eu-1 for one target, --target 'eu-*' for a group, or --all-targets for every one.");
  });

  it("refuses both --target and --all-targets", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: ["eu-1"], all: true }, FROM));
    expect(error.message).toBe("--target and --all-targets were both given; pass one of them");
    expect(error.code).toBe("USAGE");
  });

  it("names the closest names of a name that matches nothing", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: ["eu-3"], all: false }, FROM));
    expect(error.message).toBe(`--target "eu-3" matches no target in ${FROM}; did you mean "eu-1" or "eu-2"?`);
    expect(error.key).toBe("target");
    expect(error.code).toBe("USAGE");
    expect(error.fix).toBe(`Use a name ${FROM} lists, or a glob such as 'eu-*'.`);
  });

  it("lists some names when nothing is close", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: ["mars-*"], all: false }, FROM));
    expect(error.message).toBe(`--target "mars-*" matches no target in ${FROM}; targets: eu-1, eu-2, eu-10, us-1, us-2, … (7 in all)`);
  });

  it("reports every pattern that matches nothing at once", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: ["eu-1", "eu-3", "mars"], all: false }, FROM));
    expect(error.items.map((item) => item.message)).toEqual([
      `--target "eu-3" matches no target in ${FROM}; did you mean "eu-1" or "eu-2"?`,
      `--target "mars" matches no target in ${FROM}; targets: eu-1, eu-2, eu-10, us-1, us-2, … (7 in all)`,
    ]);
    expect(error.message.split("\n")[0]).toBe("2 problems in --target:");
  });

  it("refuses a set the pattern cannot hold", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: ["eu-[9-0]"], all: false }, FROM));
    expect(error.message).toBe('--target "eu-[9-0]" is not a valid glob; a set such as [a-z] must run from low to high');
    expect(error.exitCode).toBe(2);
  });

  it("refuses an empty pattern", () => {
    const error = errorOf(() => selectTargets(fleet, { patterns: [" "], all: false }, FROM));
    expect(error.message).toBe('--target " " is empty; give a target name or a glob such as \'eu-*\'');
  });

  it("names the flags the library way when the library calls", () => {
    useVocabulary({ option: (name) => `the ${name} option` });
    try {
      expect(errorOf(() => selectTargets(fleet, { patterns: ["nope"], all: false }, FROM)).message).toMatch(/^the target option "nope" matches no target/);
    } finally {
      useVocabulary(cliVocabulary);
    }
  });
});

describe("selectTargets: choices", () => {
  it("takes every target with --all-targets, in the fleet's order", () => {
    expect(names(selectTargets(fleet, { patterns: [], all: true }, FROM))).toEqual(names(fleet));
  });

  it("takes names and globs in the fleet's order, each target once", () => {
    expect(names(selectTargets(fleet, { patterns: ["us-2", "eu-*", "eu-1", "*-1"], all: false }, FROM))).toEqual(["eu-1", "eu-2", "eu-10", "us-1", "us-2"]);
  });

  it("matches a name exactly even when it looks like a glob", () => {
    expect(names(selectTargets(fleet, { patterns: ["[x]"], all: false }, FROM))).toEqual(["[x]"]);
  });

  it("returns a plain array of the fleet's own objects", () => {
    const chosen = selectTargets(fleet, { patterns: ["ap-*"], all: false }, FROM);
    expect(Array.isArray(chosen)).toBe(true);
    expect(chosen[0]).toBe(fleet[5]);
  });

  it("chooses among 1,000 targets with 200 patterns quickly", () => {
    const big = Array.from({ length: 1000 }, (_, i) => ({ name: `tenant-${i}`, url: "postgres://db/app", schema: `t${i}` }));
    const patterns = Array.from({ length: 200 }, (_, i) => `tenant-${i * 5}`);
    const started = performance.now();
    const chosen = selectTargets(big, { patterns: [...patterns, "tenant-99?"], all: false }, FROM);
    const ms = performance.now() - started;
    expect(chosen).toHaveLength(200 + 8);
    expect(ms).toBeLessThan(500);
  });
});
