// Choosing a fleet's targets: `--target <name|glob>` (repeatable) or `--all-targets`. Pure: the
// fleet and the choice in, the chosen targets (the fleet's own objects, in its order) out.

import { suggestKey } from "../config/schema.js";
import { ConfigError, configProblemsText } from "../core/errors.js";
import { option } from "../core/vocabulary.js";
import type { TargetSelection } from "./types.js";

/** How many names an unmatched choice lists when none is close. */
const LISTED_NAMES = 5;
/** How many close names "did you mean" offers at most. */
const SUGGESTED_NAMES = 3;

/**
 * A glob as a regular expression matching whole names: `*` any run of characters, `?` one,
 * `[abc]`, `[a-z]`, `[!a]` or `[^a]` one of (or none of) a set; `\` makes the next character
 * literal. A `[` without its `]` is literal. Throws ConfigError for a set the engine refuses (`[z-a]`).
 */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] ?? "";
    if (ch === "*") {
      source += ".*";
    } else if (ch === "?") {
      source += ".";
    } else if (ch === "\\" && i + 1 < glob.length) {
      source += escapeRegExp(glob[++i] ?? "");
    } else if (ch === "[") {
      const negated = glob[i + 1] === "!" || glob[i + 1] === "^";
      const first = i + (negated ? 2 : 1);
      // a `]` first in the set is one of its characters
      const end = glob.indexOf("]", first + 1);
      if (end < 0) {
        source += "\\[";
        continue;
      }
      const set = glob.slice(first, end).replace(/[\\\]^[]/g, "\\$&");
      source += `[${negated ? "^" : ""}${set}]`;
      i = end;
    } else {
      source += escapeRegExp(ch);
    }
  }
  try {
    return new RegExp(`^${source}$`, "su");
  } catch {
    throw new ConfigError(`${option("target")} "${glob}" is not a valid glob; a set such as [a-z] must run from low to high`, {
      key: "target",
      code: "USAGE",
      fix: "Correct the pattern: * matches any run of characters, ? one, [abc] one of a set.",
    });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Whether a pattern is a glob rather than a plain name. */
function isGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/**
 * Throws ConfigError (exit 2) when `selection` chooses nothing or both ways at once: what can be
 * told before the fleet is known (its names, when known, make the fix's examples).
 */
export function checkSelection(selection: TargetSelection, fleet: readonly { readonly name: string }[] = []): void {
  const target = option("target");
  const all = option("allTargets");
  if (selection.all && selection.patterns.length > 0) {
    throw new ConfigError(`${target} and ${all} were both given; pass one of them`, {
      key: "target",
      code: "USAGE",
      fix: `Drop ${target} to run on every target, or ${all} to run on the ones ${target} names.`,
    });
  }
  if (!selection.all && selection.patterns.length === 0) {
    const first = fleet[0]?.name ?? "eu-1";
    throw new ConfigError(`no targets chosen: pass ${target} <name|glob> (repeatable) or ${all}`, {
      key: "target",
      code: "USAGE",
      fix: `Pass ${target} ${shellWord(first)} for one target, ${target} ${shellWord(exampleGlob(fleet))} for a group, or ${all} for every one.`,
    });
  }
}

/**
 * The targets `selection` chooses from `fleet`, in the fleet's order, each once. `from` names
 * where the fleet came from (`"targets" in stratum.config.json`) for messages. Throws ConfigError
 * (exit 2) when nothing is chosen, when both ways are, and for every pattern matching no target.
 */
export function selectTargets<T extends { readonly name: string }>(fleet: readonly T[], selection: TargetSelection, from: string): T[] {
  checkSelection(selection, fleet);
  if (selection.all) return [...fleet];
  const target = option("target");
  const example = exampleGlob(fleet);
  const matchers = selection.patterns.map((pattern) => {
    if (pattern.trim() === "") {
      throw new ConfigError(`${target} "${pattern}" is empty; give a target name or a glob such as '${example}'`, { key: "target", code: "USAGE" });
    }
    const regExp = isGlob(pattern) ? globToRegExp(pattern) : undefined;
    return { pattern, matches: (name: string) => name === pattern || regExp?.test(name) === true, used: false };
  });
  const chosen = fleet.filter((member) => {
    let taken = false;
    for (const matcher of matchers) {
      if (matcher.matches(member.name)) {
        matcher.used = true;
        taken = true;
      }
    }
    return taken;
  });
  const unmatched = matchers.filter((matcher) => !matcher.used);
  if (unmatched.length === 0) return chosen;
  const names = fleet.map((member) => member.name);
  const items = unmatched.map(({ pattern }) => ({
    message: `${target} "${pattern}" matches no target in ${from}; ${closestNames(pattern, names)}`,
    fix: `Use a name ${from} lists, or a glob such as '${example}'.`,
  }));
  const [only] = items;
  if (only !== undefined && items.length === 1) throw new ConfigError(only.message, { key: "target", code: "USAGE", fix: only.fix });
  throw new ConfigError(configProblemsText(items, target), { key: "target", code: "USAGE", items });
}

/** `did you mean "eu-1" or "eu-2"?`, or some names when none is close. */
function closestNames(pattern: string, names: readonly string[]): string {
  const close: string[] = [];
  if (!isGlob(pattern)) {
    let rest = names;
    for (let found = suggestKey(pattern, rest); found !== undefined && close.length < SUGGESTED_NAMES; found = suggestKey(pattern, rest)) {
      close.push(found);
      const taken = found;
      rest = rest.filter((name) => name !== taken);
    }
  }
  if (close.length > 0) {
    const quoted = close.map((name) => `"${name}"`);
    return `did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`}?`;
  }
  const listed = names.slice(0, LISTED_NAMES).join(", ");
  return names.length > LISTED_NAMES ? `targets: ${listed}, … (${names.length} in all)` : `targets: ${listed}`;
}

/** A glob choosing a group of this fleet, for examples: the first name's leading word and `*`. */
function exampleGlob(fleet: readonly { readonly name: string }[]): string {
  const first = fleet[0]?.name ?? "eu";
  const head = /^[A-Za-z0-9]+[-_.:]?/.exec(first)?.[0] ?? "";
  return `${head === "" ? "eu-" : head}*`;
}

/** A word as a shell takes it literally: quoted when it holds anything but safe characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
