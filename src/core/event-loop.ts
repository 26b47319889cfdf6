/**
 * Gives the event loop two full turns. A synchronous driver (better-sqlite3) holds the thread for
 * as long as a statement runs and its promises resolve as microtasks, so without this a whole run
 * never lets the loop read a pending signal (SIGINT, SIGTERM) and its handler only runs once the
 * run is over. Two turns, because a signal that came in while the current turn's poll phase was
 * already done is read in the next turn's: between the two check phases.
 */
export async function letTheEventLoopIn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
