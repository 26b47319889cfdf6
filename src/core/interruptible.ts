// Waiting on a read-only operation that an abort signal may cut short.

import { InterruptedError } from "./errors.js";

/** Rejects with an InterruptedError when `signal` aborts first (read-only commands). */
export function interruptible<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = (): void => reject(new InterruptedError("interrupted; nothing was changed"));
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener("abort", onAbort, { once: true });
    }
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
