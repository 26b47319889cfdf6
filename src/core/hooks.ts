import type { MigratorEvent } from "./events.js";

/** Hooks are awaited in order, run under the lock, and may abort a run by throwing. */
export interface Hooks {
  readonly beforeAll?: (event: Extract<MigratorEvent, { type: "run:start" }>) => unknown;
  readonly beforeEach?: (event: Extract<MigratorEvent, { type: "migration:start" }>) => unknown;
  readonly afterEach?: (event: Extract<MigratorEvent, { type: "migration:end" }>) => unknown;
  readonly afterAll?: (event: Extract<MigratorEvent, { type: "run:end" }>) => unknown;
  readonly onError?: (event: Extract<MigratorEvent, { type: "migration:error" }>) => unknown;
}
