import type { Statement } from "../core/types.js";

/** A construct left open at the end of the input. */
export interface Unterminated {
  /** e.g. `dollar-quoted string`, for "unterminated dollar-quoted string starting at line 12". */
  readonly kind: string;
  /** 0-based offset where it opens. */
  readonly offset: number;
}

/** What a dialect's splitter finds: the statements and, when the input ends inside one, the construct left open. */
export interface SplitResult {
  readonly statements: Statement[];
  readonly unterminated: Unterminated | null;
}
