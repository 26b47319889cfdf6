import type { Connection } from "./dialect.js";

/**
 * Connection.transaction, written once for every connection: begins, runs `fn`, commits. When
 * `fn` or the COMMIT fails the transaction is rolled back (a failing rollback is ignored: the
 * first error is the one to report) and the error is rethrown.
 */
export async function withTransaction<T>(connection: Connection, fn: (connection: Connection) => Promise<T>): Promise<T> {
  await connection.begin();
  try {
    const result = await fn(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  }
}
