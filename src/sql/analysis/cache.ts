// Each SQL section is analysed once per run: the facts are kept with the SqlScript object they
// describe (discovery makes one per section, and the plan and the run pass the same objects on),
// for as long as that object lives.

import { mergeTableUses, type ScriptFacts, type SqlAnalyser, type StatementFacts, type TableUse } from "../../core/sql-facts.js";
import type { SqlScript } from "../../core/types.js";

const cache = new WeakMap<SqlScript, { readonly analyser: SqlAnalyser; readonly facts: ScriptFacts }>();

/**
 * The facts of a section, with lines in its file's numbering; analysed on the first call only.
 * A section whose file marks its statements (`SqlScript.statements`) has exactly those
 * statements, each read whole, lines as given; the dialect's splitter does not cut them.
 */
export function scriptFacts(analyser: SqlAnalyser, script: SqlScript): ScriptFacts {
  const cached = cache.get(script);
  if (cached?.analyser === analyser) return cached.facts;
  const facts = script.statements === undefined ? analyser.analyse(script.text, script.startLine) : markedFacts(analyser, script.statements);
  cache.set(script, { analyser, facts });
  return facts;
}

/**
 * Drops the facts kept for `script`: a run calls it once a migration has run, so a run of
 * thousands holds the analysis of what is still to run only (the next call analyses again).
 */
export function forgetFacts(script: SqlScript | null): void {
  if (script !== null) cache.delete(script);
}

type Marked = NonNullable<SqlScript["statements"]>[number];

/** The facts of statements the file delimits itself: one per marked statement that holds SQL. */
function markedFacts(analyser: SqlAnalyser, marked: readonly Marked[]): ScriptFacts {
  const statements: StatementFacts[] = [];
  for (const statement of marked) {
    // the dialect reads what the statement does; where it would cut it, the parts' facts are merged
    const parts = analyser.analyse(statement.text, statement.line).statements;
    if (parts.length === 0) continue; // comments only: nothing to run
    statements.push(new MarkedStatement(statement, parts));
  }
  return new MarkedScript(statements);
}

class MarkedStatement implements StatementFacts {
  readonly text: string;
  readonly line: number;
  readonly offset: number;
  readonly transactionControl: StatementFacts["transactionControl"];
  readonly nonTransactionalReason: string | null;
  private merged: TableUse | null = null;

  constructor(
    statement: Marked,
    private readonly parts: readonly StatementFacts[],
  ) {
    this.text = statement.text;
    this.line = statement.line;
    this.offset = statement.offset;
    this.transactionControl = parts.find((part) => part.transactionControl !== null)?.transactionControl ?? null;
    this.nonTransactionalReason = parts.find((part) => part.nonTransactionalReason !== null)?.nonTransactionalReason ?? null;
  }

  get tables(): TableUse {
    this.merged ??= mergeTableUses(this.parts.map((part) => part.tables));
    return this.merged;
  }
}

class MarkedScript implements ScriptFacts {
  private merged: TableUse | null = null;
  /** The file closes every statement it marks. */
  readonly unterminated = null;

  constructor(readonly statements: readonly StatementFacts[]) {}

  get tables(): TableUse {
    this.merged ??= mergeTableUses(this.statements.map((s) => s.tables));
    return this.merged;
  }
}
