// `stratumdb/testing`: migrate a throwaway database, run one migration up and down, compare schemas.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMigratorFromConfig } from "../migrator.js";
import type { Migrator, RunReport } from "../api-types.js";
import { resolveConfig } from "../config/load.js";
import type { ResolvedConfig } from "../config/types.js";
import { SchemaError } from "../core/errors.js";
import { describeChanges, diffSchemas } from "../core/schema/diff.js";
import type { SchemaSnapshot } from "../core/schema/model.js";
import type { Ordering } from "../core/types.js";
import { versionKey } from "../core/version.js";
import { createDialect } from "../dialects/create-dialect.js";
import { localDatabaseUrl } from "../dialects/registry.js";
import { stratumTables } from "../history/schema-store.js";

export { describeChanges, diffSchemas, type SchemaChange } from "../core/schema/diff.js";
export type { SchemaSnapshot } from "../core/schema/model.js";

export interface MigrationTestOptions {
  /** The migrations directory. */
  readonly dir: string;
  /** A database to use; default: a new SQLite file in a temporary directory, removed by `close()`. */
  readonly url?: string;
  readonly ordering?: Ordering;
  readonly table?: string;
  readonly logTable?: string;
  readonly schema?: string;
}

export interface UpDownResult {
  readonly before: SchemaSnapshot;
  readonly afterUp: SchemaSnapshot;
  readonly afterDown: SchemaSnapshot;
}

export interface MigrationTestKit {
  readonly url: string;
  readonly migrator: Migrator;
  /** Applies every pending migration up to and including `version`. */
  migrateTo(version: string): Promise<RunReport>;
  /** The current schema without Stratum's own tables, in the neutral model (`stratumdb` core/schema). */
  schema(): Promise<SchemaSnapshot>;
  /**
   * Applies `version` (the next pending migration) and rolls it back. Throws a SchemaError naming
   * each object the down leaves behind, removes or changes (`added function public.f(integer)`:
   * the schema after down has it, the one before up did not) when the two differ.
   */
  upDown(version: string): Promise<UpDownResult>;
  /** Runs `upDown` on every migration in order, leaving all of them applied. */
  checkAllReversible(): Promise<void>;
  close(): Promise<void>;
}

/** Differences between two schema snapshots, as `path: a → b` lines (empty when equal). */
export function compareSchemas(a: unknown, b: unknown, path = "schema"): string[] {
  if (Object.is(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    const key = (item: unknown, i: number) =>
      item !== null && typeof item === "object" && "name" in item ? String((item as { name: unknown }).name) : String(i);
    const left = new Map(a.map((item, i) => [key(item, i), item]));
    const right = new Map(b.map((item, i) => [key(item, i), item]));
    for (const [k, item] of left) {
      if (!right.has(k)) out.push(`${path}[${k}]: removed`);
      else out.push(...compareSchemas(item, right.get(k), `${path}[${k}]`));
    }
    for (const k of right.keys()) if (!left.has(k)) out.push(`${path}[${k}]: added`);
    return out;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      compareSchemas((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return [`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}

export async function createMigrationTest(options: MigrationTestOptions): Promise<MigrationTestKit> {
  const tempDir = options.url === undefined ? mkdtempSync(join(tmpdir(), "stratum-testing-")) : undefined;
  const url = options.url ?? localDatabaseUrl(join(tempDir as string, "test.db"));
  const config: ResolvedConfig = await resolveConfig({
    cwd: process.cwd(),
    searchCwd: false,
    flags: {},
    environment: {},
    overrides: {
      url,
      dir: resolve(options.dir),
      ...(options.ordering === undefined ? {} : { ordering: options.ordering }),
      ...(options.table === undefined ? {} : { table: options.table }),
      ...(options.logTable === undefined ? {} : { logTable: options.logTable }),
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    },
  });
  const migrator = createMigratorFromConfig(config);
  const dialect = await createDialect({ url: config.url, schema: config.schema, cwd: config.cwd, environment: {} });
  const ownTables = stratumTables({ table: config.table, logTable: config.logTable });

  const schema = async (): Promise<SchemaSnapshot> => {
    if (!dialect.capabilities.schemaIntrospection) throw new SchemaError(`describing a schema is not supported on ${dialect.name}`);
    const conn = await dialect.connect();
    try {
      return await dialect.describeSchema!(conn, { exclude: ownTables });
    } finally {
      await conn.close();
    }
  };

  const upDown = async (version: string): Promise<UpDownResult> => {
    const before = await schema();
    const status = await migrator.status();
    const next = status.migrations.find((m) => m.state === "pending" || m.state === "rolled_back");
    if (!next || versionKey(next.version) !== versionKey(version)) {
      throw new SchemaError(`migration ${version} is not the next pending migration (next: ${next?.version ?? "none"})`, {
        fix: "call migrateTo() for the migrations before it first",
      });
    }
    await migrator.up({ step: 1 });
    const afterUp = await schema();
    await migrator.down({ step: 1 });
    const afterDown = await schema();
    const differences = describeChanges(diffSchemas(before, afterDown));
    if (differences.length > 0) {
      throw new SchemaError(
        `rolling back migration ${version} does not restore the schema: ${differences.slice(0, 5).join("; ")}${differences.length > 5 ? ` (and ${differences.length - 5} more)` : ""}`,
        { fix: "make the down section undo exactly what up does" },
      );
    }
    return { before, afterUp, afterDown };
  };

  return {
    url,
    migrator,
    migrateTo: (version) => migrator.up({ to: version }),
    schema,
    upDown,
    async checkAllReversible() {
      const status = await migrator.status();
      for (const entry of status.migrations.filter((m) => m.state === "pending" || m.state === "rolled_back")) {
        await upDown(entry.version);
        await migrator.up({ step: 1 });
      }
    },
    async close() {
      await migrator.close();
      await dialect.dispose();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
