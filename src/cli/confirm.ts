// Destructive commands against a protected environment ask first (SPEC §4): on a terminal a
// question, `--yes` skips it, and with no terminal they refuse unless `--yes` is given.

import { InterruptedError } from "../basics.js";
import type { InputStream, Output } from "./io.js";
import { usageError } from "./options.js";

export interface ConfirmRequest {
  /** Whether the resolved environment is marked `protected: true`. */
  readonly protectedEnv: boolean;
  readonly envName: string;
  /** The database as it may be shown (password masked). */
  readonly database: string;
  /** What will happen, lower case: `roll back 3 migrations`. */
  readonly action: string;
  readonly yes: boolean;
}

export type ConfirmDecision = "proceed" | "ask" | "refuse";

/** The pure part: whether to go ahead, ask, or refuse. */
export function confirmDecision(request: ConfirmRequest, interactive: boolean): ConfirmDecision {
  if (!request.protectedEnv || request.yes) return "proceed";
  return interactive ? "ask" : "refuse";
}

/** `Roll back 3 migrations on production (postgres://u:***@host/db)? [y/N] `. */
export function confirmQuestion(request: ConfirmRequest): string {
  const action = request.action.charAt(0).toUpperCase() + request.action.slice(1);
  return `${action} on ${request.envName} (${request.database})? [y/N] `;
}

/** Reads one line from `input`; null at end of input. Leaves the stream paused. */
export function readAnswer(input: InputStream, signal?: AbortSignal): Promise<string | null> {
  return new Promise((resolvePromise, reject) => {
    let buffer = "";
    const finish = (value: string | null, error?: unknown): void => {
      input.removeListener("data", onData);
      input.removeListener("end", onEnd);
      input.removeListener("error", onError);
      signal?.removeEventListener("abort", onAbort);
      input.pause();
      if (error !== undefined) reject(error);
      else resolvePromise(value);
    };
    const onData = (chunk: string | Buffer): void => {
      buffer += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      const newline = buffer.indexOf("\n");
      if (newline !== -1) finish(buffer.slice(0, newline).replace(/\r$/, ""));
    };
    const onEnd = (): void => finish(buffer === "" ? null : buffer);
    const onError = (error: unknown): void => finish(null, error);
    const onAbort = (): void => finish(null, new InterruptedError("interrupted while waiting for confirmation; nothing was changed"));
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    input.on("data", onData);
    input.on("end", onEnd);
    input.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    input.resume();
  });
}

/**
 * Resolves when the user agreed (or nothing needs agreeing); throws a usage error (exit 2)
 * when there is no terminal to ask on and no `--yes`, or when the answer is not yes.
 */
export async function confirmDestructive(
  request: ConfirmRequest,
  io: { readonly stdin: InputStream; readonly output: Output; readonly signal?: AbortSignal | undefined },
): Promise<void> {
  const decision = confirmDecision(request, io.stdin.isTTY === true);
  if (decision === "proceed") return;
  if (decision === "refuse") {
    throw usageError(
      `refusing to ${request.action} on the protected environment "${request.envName}" without confirmation: ` +
        `there is no terminal to ask on, so pass --yes to proceed`,
    );
  }
  io.output.writeError(confirmQuestion(request));
  const answer = await readAnswer(io.stdin, io.signal);
  if (answer === null) io.output.writeError("\n");
  if (answer === null || !/^\s*y(es)?\s*$/i.test(answer)) {
    throw usageError(`cancelled: did not ${request.action}; nothing was changed`);
  }
}
