// The `stratum` process: runs the CLI on process.argv with the real streams and sets the exit
// code. SIGINT/SIGTERM abort the run through an AbortSignal: the library finishes or rolls back
// the current migration, starts no new one and releases the lock; the exit code is then 130
// (SIGINT) or 143 (SIGTERM). A second signal stops at once.

import { run } from "./main.js";

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT;

/** Runs the CLI as this process and exits with its exit code once the output is written. */
export async function start(): Promise<void> {
  const controller = new AbortController();
  let received: HandledSignal | null = null;

  const onSignal = (signal: HandledSignal): void => {
    if (received !== null) {
      // second signal: the database rolls back whatever transaction the dropped connection held
      process.exit(SIGNAL_EXIT[signal]);
    }
    received = signal;
    controller.abort(signal);
  };

  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  // `stratum history | head` closes the pipe early; that is not an error
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    process.stderr.write(`internal error: cannot write to stdout: ${error.message}\n`);
    process.exit(1);
  });

  const code = await run(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    // taken only by a command that asks for confirmation: Node builds process.stdin (a TTY, pipe
    // or file stream) on first use, a few milliseconds every other run would pay
    get stdin() {
      return process.stdin;
    },
    cwd: process.cwd(),
    signal: controller.signal,
  });
  const exitCode = received === null ? code : SIGNAL_EXIT[received];
  process.exitCode = exitCode;
  // The answer is printed and the run closed its connections: leave now rather than wait for
  // Node to tear the heap down (what is still buffered for a slow pipe is written first).
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(exitCode);
}

/** Resolves once everything written to `stream` has been handed to the operating system. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}
