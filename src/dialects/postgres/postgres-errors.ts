// What a PostgreSQL error means to a run: retry it, report where it was, say the session is gone,
// or tell a refused COMMIT from one that may have landed. Driver errors may come wrapped: each
// check walks the error and its causes.

/** SQLSTATEs worth retrying alone: deadlock, lock_not_available (lock_timeout), serialization failure. */
const RETRYABLE = new Set(["40P01", "55P03", "40001"]);

/**
 * Codes of a session that ended: terminated by an administrator or a server shutdown (57P01-03)
 * and the socket's own errors. Class 08 (connection exception) counts too.
 */
const SESSION_ENDED: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);

/** Walks an error and its causes (a driver error may come wrapped). */
export function* errorChain(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

// ERROR rolls the transaction back (a deferred constraint, a serialization failure); FATAL
// ends the session, and with it the certainty of whether the COMMIT landed
export function postgresCommitRefused(error: unknown): boolean {
  const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
  return severity === "ERROR" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

export function postgresConnectionLost(error: unknown): boolean {
  for (const link of errorChain(error)) {
    const { code, severity, message } = link;
    if (severity === "FATAL" || severity === "PANIC") return true;
    if (typeof code === "string" && (SESSION_ENDED.has(code) || code.startsWith("08"))) return true;
    if (typeof message === "string" && /^Connection terminated|is not queryable/.test(message)) return true;
  }
  return false;
}

/** The server's 1-based `position` as a 0-based offset into the statement. */
export function postgresErrorPosition(error: unknown): number | null {
  for (const link of errorChain(error)) {
    const raw = link["position"];
    if (raw === undefined || raw === null || raw === "") continue;
    const position = Number(raw);
    if (Number.isInteger(position) && position >= 1) return position - 1;
  }
  return null;
}

export function postgresRetryable(error: unknown): boolean {
  for (const link of errorChain(error)) {
    const code = link["code"];
    if (typeof code === "string" && RETRYABLE.has(code)) return true;
  }
  return false;
}
