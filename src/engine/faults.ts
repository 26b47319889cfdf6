// Test-only fault points, injected into the engine as a port. `STRATUM_TEST_PAUSE=<checkpoint>[@<version>][,…]`
// makes the process print `stratum-test-pause: <checkpoint> <version>` on stderr and wait there
// until it receives SIGUSR2 (or is killed), so a test can kill it or cut its connection at exactly
// that point. Checkpoints: after-lock, after-begin, after-statement-<i>, after-state-write,
// before-commit, after-commit, before-unlock.

import { isVersion, versionKey } from "../core/version.js";

/** Where a run may be stopped by a test. Production runs get `noFaults`. */
export interface FaultPoints {
  /** Pauses here when a test asked for this checkpoint; otherwise returns at once. */
  at(point: string, version: string | null): Promise<void>;
  /**
   * The checkpoints asked for within this migration, so a strategy that sends a migration in one
   * round trip can split it exactly there (and only there). Empty in production.
   */
  wanted(version: string): ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

export const noFaults: FaultPoints = {
  at: async () => undefined,
  wanted: () => NONE,
};

interface Wanted {
  readonly point: string;
  readonly version: string | null;
}

/** Parses `<checkpoint>[@<version>][,…]`. */
export function parsePauseSpec(spec: string | undefined): readonly Wanted[] {
  if (spec === undefined || spec === "") return [];
  return spec.split(",").map((entry) => {
    const [point = "", version] = entry.trim().split("@");
    return { point, version: version ?? null };
  });
}

function sameVersion(wanted: string | null, version: string | null): boolean {
  return wanted === null || (version !== null && isVersion(wanted) && versionKey(wanted) === versionKey(version));
}

/** How a paused process waits: told where it is, it resolves when told to go on. */
export type PauseWait = (point: string, version: string | null) => Promise<void>;

/** Prints the marker and waits for SIGUSR2. */
export const waitForSigusr2: PauseWait = (point, version) =>
  new Promise<void>((resolve) => {
    // a timer keeps the event loop alive while nothing else is pending (SQLite has no socket)
    const keepAlive = setInterval(() => undefined, 1 << 30);
    process.once("SIGUSR2", () => {
      clearInterval(keepAlive);
      resolve();
    });
    // the listener is in place before the test can see the marker and resume
    process.stderr.write(`stratum-test-pause: ${point} ${version ?? "-"}\n`);
  });

/** The fault points a spec asks for, waiting with `wait` at each. */
export function faultPointsFrom(spec: string | undefined, wait: PauseWait = waitForSigusr2): FaultPoints {
  const wanted = parsePauseSpec(spec);
  if (wanted.length === 0) return noFaults;
  return {
    async at(point, version) {
      if (wanted.some((w) => w.point === point && sameVersion(w.version, version))) await wait(point, version);
    },
    wanted: (version) => new Set(wanted.filter((w) => sameVersion(w.version, version)).map((w) => w.point)),
  };
}

/** The fault points STRATUM_TEST_PAUSE asks for (none when it is unset). */
export function faultPointsFromEnv(env: Readonly<Record<string, string | undefined>>): FaultPoints {
  return faultPointsFrom(env["STRATUM_TEST_PAUSE"]);
}
