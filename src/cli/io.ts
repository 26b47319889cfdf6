// The CLI's only contact with the outside world: the streams and environment it is given, and one
// output object through which every printed string passes (colours, verbosity). Nothing is searched
// or rewritten on the way out: passwords are kept out of the text where it is written (a URL is shown
// only through displayUrl; connection errors are composed from fields).

import pc from "picocolors";

/** A stream the CLI writes to. `process.stdout` and `process.stderr` fit; tests pass a capture. */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/** Where confirmations are read from. `process.stdin` fits; tests pass a `PassThrough`. */
export type InputStream = NodeJS.ReadableStream & { readonly isTTY?: boolean };

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: InputStream;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM (see `bin.ts`); the current migration finishes or rolls back. */
  readonly signal?: AbortSignal;
}

export type Colors = ReturnType<typeof pc.createColors>;
export type Verbosity = "quiet" | "normal" | "verbose";

export interface OutputSettings {
  readonly color: boolean;
  readonly verbosity: Verbosity;
  readonly json: boolean;
}

export interface Output {
  /** Colours for text bound to stdout / stderr (off when not a TTY, NO_COLOR or --no-color). */
  readonly colors: Colors;
  readonly errColors: Colors;
  readonly settings: OutputSettings;
  /** Whether stdout is a terminal (live display, colours). */
  readonly interactive: boolean;
  columns(): number;
  /** The terminal's height in lines (24 when unknown): live regions never draw more. */
  rows(): number;
  /** One line (or several) to stdout, newline added. */
  line(text: string): void;
  /** One line (or several) to stderr, newline added. */
  errorLine(text: string): void;
  /** Raw text to stdout, no newline added (live display, commander help). */
  write(text: string): void;
  /** Raw text to stderr, no newline added (prompts, commander help on error). */
  writeError(text: string): void;
  configure(settings: Partial<OutputSettings>): void;
}

/** `NO_COLOR` (any non-empty value) turns colours off, as https://no-color.org asks. */
export function colorWanted(env: CliIo["env"], flag: boolean, stream: OutputStream): boolean {
  const noColor = env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") return false;
  if (!flag) return false;
  return stream.isTTY === true;
}

export function createOutput(io: CliIo, initial: OutputSettings): Output {
  let settings = initial;
  let colors = pc.createColors(colorWanted(io.env, settings.color, io.stdout));
  let errColors = pc.createColors(colorWanted(io.env, settings.color, io.stderr));

  const output: Output = {
    get colors() {
      return colors;
    },
    get errColors() {
      return errColors;
    },
    get settings() {
      return settings;
    },
    interactive: io.stdout.isTTY === true,
    columns: () => (typeof io.stdout.columns === "number" && io.stdout.columns > 0 ? io.stdout.columns : 80),
    rows: () => (typeof io.stdout.rows === "number" && io.stdout.rows > 0 ? io.stdout.rows : 24),
    line: (text) => void io.stdout.write(`${text}\n`),
    errorLine: (text) => void io.stderr.write(`${text}\n`),
    write: (text) => void io.stdout.write(text),
    writeError: (text) => void io.stderr.write(text),
    configure(next) {
      settings = { ...settings, ...next };
      colors = pc.createColors(colorWanted(io.env, settings.color, io.stdout));
      errColors = pc.createColors(colorWanted(io.env, settings.color, io.stderr));
    },
  };
  return output;
}
