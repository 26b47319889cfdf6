// Each SQL section is analysed once per run: the facts are kept with the SqlScript object they
// describe (discovery makes one per section, and the plan and the run pass the same objects on),
// for as long as that object lives.

import type { ScriptFacts, SqlAnalyser } from "../../core/sql-facts.js";
import type { SqlScript } from "../../core/types.js";

const cache = new WeakMap<SqlScript, { readonly analyser: SqlAnalyser; readonly facts: ScriptFacts }>();

/** The facts of a section, with lines in its file's numbering; analysed on the first call only. */
export function scriptFacts(analyser: SqlAnalyser, script: SqlScript): ScriptFacts {
  const cached = cache.get(script);
  if (cached?.analyser === analyser) return cached.facts;
  const facts = analyser.analyse(script.text, script.startLine);
  cache.set(script, { analyser, facts });
  return facts;
}
