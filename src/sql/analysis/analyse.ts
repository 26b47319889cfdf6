// One analysis of a script, built from a dialect's readers: the splitter scans the script once;
// each statement's head is read once for transaction control and the non-transactional reason;
// its tables are read on first use, once.

import { mergeTableUses, type OpenConstruct, type ScriptFacts, type StatementFacts, type TableUse, type TransactionControl } from "../../core/sql-facts.js";
import type { Statement } from "../../core/types.js";
import { lineAt } from "../line-counter.js";
import type { SplitResult } from "../split-result.js";

/** What a statement's first words say about transactions. */
export interface StatementClass {
  readonly transactionControl: TransactionControl | null;
  readonly nonTransactionalReason: string | null;
}

/** A dialect's readers, which `analyseWith` runs once per script and statement. */
export interface StatementReaders {
  /** Splits a script: its statements and the construct it ends inside of. */
  scan(text: string): SplitResult;
  /** Reads a statement's first words once for both transaction facts. */
  classify(statement: string): StatementClass;
  /** The tables one statement touches. */
  tables(statement: string): TableUse;
}

/** The facts of `text`, lines numbered from `firstLine` (a section's first line in its file). */
export function analyseWith(readers: StatementReaders, text: string, firstLine = 1): ScriptFacts {
  const scanned = readers.scan(text);
  const shift = firstLine - 1;
  const statements = scanned.statements.map((s) => statementFacts(readers, s, shift));
  const open = scanned.unterminated;
  const unterminated: OpenConstruct | null = open === null ? null : { kind: open.kind, line: lineAt(text, open.offset) + shift };
  return new Script(statements, unterminated);
}

function statementFacts(readers: StatementReaders, statement: Statement, shift: number): StatementFacts {
  const { transactionControl, nonTransactionalReason } = readers.classify(statement.text);
  return new StatementRead(readers, statement.text, statement.line + shift, statement.offset, transactionControl, nonTransactionalReason);
}

class StatementRead implements StatementFacts {
  private read: TableUse | null = null;

  constructor(
    private readonly readers: StatementReaders,
    readonly text: string,
    readonly line: number,
    readonly offset: number,
    readonly transactionControl: TransactionControl | null,
    readonly nonTransactionalReason: string | null,
  ) {}

  get tables(): TableUse {
    this.read ??= this.readers.tables(this.text);
    return this.read;
  }
}

class Script implements ScriptFacts {
  private merged: TableUse | null = null;

  constructor(
    readonly statements: readonly StatementFacts[],
    readonly unterminated: OpenConstruct | null,
  ) {}

  get tables(): TableUse {
    this.merged ??= mergeTableUses(this.statements.map((s) => s.tables));
    return this.merged;
  }
}
