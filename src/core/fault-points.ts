// Test-only fault points. `STRATUM_TEST_PAUSE=<checkpoint>[@<version>][,…]` makes the process print
// `stratum-test-pause: <checkpoint> <version>` on stderr and wait there until it receives SIGUSR2
// (or is killed), so a test can kill it or cut its connection at exactly that point.
// Checkpoints: after-lock, after-begin, after-statement-<i>, after-state-write, before-commit,
// after-commit, before-unlock. Inert (one length check) unless the variable is set.

const spec = process.env["STRATUM_TEST_PAUSE"];
const wanted: ReadonlyArray<{ readonly point: string; readonly version: string | null }> =
  spec === undefined || spec === ""
    ? []
    : spec.split(",").map((entry) => {
        const [point = "", version] = entry.trim().split("@");
        return { point, version: version ?? null };
      });

/** Whether a test asked for pauses (statement-by-statement execution then keeps every checkpoint). */
export const faultPointsActive = wanted.length > 0;

/** Pauses here when a test asked for this checkpoint; otherwise returns at once. */
export async function checkpoint(point: string, version: string | null = null): Promise<void> {
  if (wanted.length === 0) return;
  const hit = wanted.some(
    (w) => w.point === point && (w.version === null || (version !== null && /^\d+$/.test(w.version) && BigInt(w.version) === BigInt(version))),
  );
  if (!hit) return;
  await new Promise<void>((resolve) => {
    // a timer keeps the event loop alive while nothing else is pending (SQLite has no socket)
    const keepAlive = setInterval(() => undefined, 1 << 30);
    process.once("SIGUSR2", () => {
      clearInterval(keepAlive);
      resolve();
    });
    // the listener is in place before the test can see the marker and resume
    process.stderr.write(`stratum-test-pause: ${point} ${version ?? "-"}\n`);
  });
}
