// DROP DATABASE on PostgreSQL 15 waits for a checkpoint it forces, which takes seconds on a busy
// machine (3–8 s each measured with other work on the server; a test file with 14 databases spent
// 115 s of its run waiting for its drops). So `TestDb.drop()` on PostgreSQL (test/support/targets.ts)
// closes the test's connection, starts the drop and returns; the drops run beside the file's later
// tests, and drops started together share their checkpoints. settlePendingDrops, an afterAll of every
// server test file (test/support/settle-drops.ts, vitest setupFiles), waits for the drops left
// when the file ends and fails the file if one of them failed. Kept free of database drivers, so a
// file that makes no database does not load them for this.

const pending = new Set<Promise<void>>();
const failures: Error[] = [];

/** Runs `drop` in the background; settlePendingDrops waits for it. */
export function dropInBackground(what: string, drop: () => Promise<void>): void {
  const running = drop().then(
    () => undefined,
    (error: unknown) => void failures.push(new Error(`could not drop ${what}: ${(error as Error).message}`, { cause: error })),
  );
  pending.add(running);
  void running.finally(() => pending.delete(running));
}

/**
 * Waits for every drop started so far, for a test that needs its database gone (a role granted
 * on it can only be dropped then); failures are left for settlePendingDrops to report.
 */
export async function pendingDropsDone(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}

/** Waits for every drop started so far; throws when one failed. */
export async function settlePendingDrops(): Promise<void> {
  await pendingDropsDone();
  const failed = failures.splice(0);
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new AggregateError(failed, `${failed.length} test databases could not be dropped`);
}
