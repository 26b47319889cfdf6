// Many statements in one round trip: one simple-protocol query whose text is the statements
// joined, sent as a node-postgres "submittable" so we can count the statements the server
// finished. The server answers each finished statement with CommandComplete and stops at the
// first error, so the count names the statement that failed, a cancel or a timeout included.

/** The joined text and where each statement starts in it. */
export interface BatchText {
  readonly text: string;
  readonly starts: readonly number[];
}

// A newline first: a statement may end in a line comment the separator must not fall into.
const SEPARATOR = "\n;\n";

export function joinBatch(statements: readonly string[]): BatchText {
  const starts: number[] = [];
  let text = "";
  for (const [i, statement] of statements.entries()) {
    if (i > 0) text += SEPARATOR;
    starts.push(text.length);
    text += statement;
  }
  return { text, starts };
}

/**
 * The statement a failure belongs to. A position (0-based, in the joined text) names it
 * exactly, a syntax error included: the server parses the whole text before running any of it.
 * Without one, the failing statement is the one after those completed. `commands`: how many
 * commands the server completes for each statement (a goose StatementBegin/End block is one
 * statement of several commands); one each when not given.
 */
export function locateFailure(
  batch: BatchText,
  lengths: readonly number[],
  completed: number,
  position: number | null,
  commands?: readonly number[],
): { readonly index: number; readonly position: number | null } {
  if (position !== null) {
    for (let i = batch.starts.length - 1; i >= 0; i--) {
      const start = batch.starts[i] as number;
      if (position >= start) {
        const inside = position - start;
        if (inside <= (lengths[i] as number)) return { index: i, position: inside };
        break;
      }
    }
  }
  return { index: Math.min(Math.max(statementAfter(completed, commands), 0), batch.starts.length - 1), position: null };
}

/** The index of the statement running once `completed` commands are done. */
function statementAfter(completed: number, commands: readonly number[] | undefined): number {
  if (commands === undefined) return completed;
  let left = completed;
  for (const [i, count] of commands.entries()) {
    if (left < count) return i;
    left -= count;
  }
  return commands.length + left;
}

interface WireConnection {
  query(text: string): void;
  sendCopyFail(message: string): void;
}

/** Outcome of a batch: how many statements completed, and the error that stopped it. */
export interface BatchOutcome {
  readonly completed: number;
  readonly error: Error | null;
  /** The command tag of the last statement completed (`COMMIT`, or `ROLLBACK` for a COMMIT of a failed transaction). */
  readonly lastCommand: string | null;
}

/**
 * The node-postgres submittable: `client.query(new BatchQuery(text, done))`. The client calls
 * these handlers for the server's messages; rows are read and dropped.
 */
export class BatchQuery {
  private completed = 0;
  private lastCommand: string | null = null;
  private settled = false;

  constructor(
    readonly text: string,
    private readonly done: (outcome: BatchOutcome) => void,
  ) {}

  submit(connection: WireConnection): null {
    connection.query(this.text);
    return null;
  }

  private finish(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.done({ completed: this.completed, error, lastCommand: this.lastCommand });
  }

  handleCommandComplete(message: { readonly text?: unknown }): void {
    this.completed++;
    this.lastCommand = typeof message?.text === "string" ? message.text : null;
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail("COPY FROM STDIN has no data in a migration; use INSERT, or COPY FROM a server file");
  }

  handleError(error: Error): void {
    this.finish(error);
  }

  handleReadyForQuery(): void {
    this.finish(null);
  }
}
