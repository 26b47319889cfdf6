// A migrator over fake ports, and what the engine tests read back from it: the events in order,
// the database's statements, transactions and history rows.

import type { Migrator } from "../../../src/api-types.js";
import type { ResolvedConfig } from "../../../src/config/types.js";
import type { MigratorEvent } from "../../../src/core/events.js";
import type { Problem } from "../../../src/core/types.js";
import { migratorFromTarget } from "../../../src/migrator.js";
import {
  FAKE_TABLES,
  fakeTarget,
  type FakeDialectOptions,
  type FakeMigrationSpec,
  type FakeTarget,
} from "../../support/fake-ports.js";

/** Every setting filled in, as resolveConfig would; nothing here reads a file or the environment. */
export function testConfig(overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    url: "fake://memory",
    dir: "/fake/migrations",
    ordering: "linear",
    table: FAKE_TABLES.table,
    logTable: FAKE_TABLES.logTable,
    schema: undefined,
    lockTimeoutMs: 200,
    migrationLockTimeoutMs: undefined,
    statementTimeoutMs: undefined,
    parallel: 1,
    transaction: "each",
    allowOutOfOrder: false,
    protected: false,
    passwordFile: undefined,
    backupDir: "/fake/backups",
    hooks: {},
    env: "test",
    configFile: undefined,
    cwd: "/fake",
    ...overrides,
  };
}

export interface EngineUnderTest extends FakeTarget {
  readonly migrator: Migrator;
  /** Every event the migrator emitted, in order. */
  readonly events: MigratorEvent[];
}

export interface EngineOptions {
  readonly dialect?: FakeDialectOptions;
  readonly config?: Partial<ResolvedConfig>;
}

export function engine(specs: readonly FakeMigrationSpec[], options: EngineOptions = {}): EngineUnderTest {
  const target = fakeTarget(specs, options.dialect);
  const migrator = migratorFromTarget(testConfig(options.config), target, {
    identity: { host: "test-host", toolVersion: "0.0.0-test", env: "test" },
    loadCode: () => Promise.reject(new Error("the engine tests use SQL migrations only")),
    readFile: () => Promise.reject(new Error("the engine tests read no files")),
  });
  const events: MigratorEvent[] = [];
  migrator.on((event) => void events.push(event));
  return { ...target, migrator, events };
}

/** The events' types, with the version for migration events: `migration:start 001`. */
export function eventTrail(events: readonly MigratorEvent[], keep: (event: MigratorEvent) => boolean = () => true): string[] {
  return events.filter(keep).map((event) => ("version" in event && event.version !== null ? `${event.type} ${event.version}` : event.type));
}

/** Events worth asserting the order of (statements and logs are asserted on their own). */
export const runEvents = (event: MigratorEvent): boolean => event.type !== "statement" && event.type !== "log" && event.type !== "progress";

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string; problems?: readonly Problem[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the operation to fail, but it succeeded");
}
