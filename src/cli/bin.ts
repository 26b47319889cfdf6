#!/usr/bin/env node
// The `stratum` executable. SIGINT/SIGTERM abort the run through an AbortSignal: the library
// finishes or rolls back the current migration, starts no new one and releases the lock; the
// exit code is then 130 (SIGINT) or 143 (SIGTERM). A second signal stops at once.

import { run } from "./main.js";

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT;

const controller = new AbortController();
let received: HandledSignal | null = null;

function onSignal(signal: HandledSignal): void {
  if (received !== null) {
    // second signal: the database rolls back whatever transaction the dropped connection held
    process.exit(SIGNAL_EXIT[signal]);
  }
  received = signal;
  controller.abort(signal);
}

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
  stdin: process.stdin,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = received === null ? code : SIGNAL_EXIT[received];
