// Requests to the server per migration, applying and rolling back (issue 16): what the run adds
// to the floor (BEGIN, the section, one history write, COMMIT). Counted at the driver, as the
// difference between a run of many migrations and a run of few, so the fixed cost of a run
// (connecting, the lock, reading the history, the schema snapshot) is left out.
//
// PostgreSQL: one request per migration, either way: BEGIN, the section, the state and log rows,
// the lock assertion and COMMIT in one batch.
// MariaDB commits DDL implicitly: the state row says `running` before the first statement and
// counts each statement as it commits, then the state and log rows commit together; plus the
// lock check before the first statement. 2k + 6 requests for k statements.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/load.js";
import { createMigratorFromConfig } from "../../src/migrator.js";
import { eachTarget } from "../support/each-target.js";
import { makeProject } from "../support/project.js";
import { mysqlTarget, postgresTarget, type Target } from "../support/targets.js";

const require = createRequire(import.meta.url);

/** A migration of k = 3 statements (a table, an index, a row), and its down of one. */
function files(count: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(3, "0");
    out[`${n}_t${n}.sql`] =
      `-- migrate:up\nCREATE TABLE rt_${n} (id int primary key, note varchar(20));\nCREATE INDEX rt_${n}_note ON rt_${n} (note);\n` +
      `INSERT INTO rt_${n} (id, note) VALUES (1, 'a');\n-- migrate:down\nDROP TABLE rt_${n};\n`;
  }
  return out;
}

interface Counted {
  readonly up: number;
  readonly down: number;
}

/** Counts the requests every driver session sends (on any of the run's connections) while `fn` runs. */
function counter(target: Target): { count: <T>(fn: () => Promise<T>) => Promise<number> } {
  // the drivers' own classes, as the dialects load them (the same modules: CommonJS, cached by file)
  const proto =
    target.name === "postgres"
      ? (require("pg") as { Client: { prototype: { query: (...args: unknown[]) => unknown } } }).Client.prototype
      : (require(join(dirname(require.resolve("mysql2")), "lib", "base", "connection.js")) as { prototype: { query: (...args: unknown[]) => unknown } }).prototype;
  return {
    async count(fn) {
      const original = proto.query;
      let n = 0;
      proto.query = function (this: unknown, ...args: unknown[]) {
        n++;
        return original.apply(this, args);
      };
      try {
        await fn();
      } finally {
        proto.query = original;
      }
      return n;
    },
  };
}

function suite(target: Target): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  /** Requests of `up` and then `down --all` over `count` migrations, each on a database of its own. */
  const requests = async (count: number): Promise<Counted> => {
    const db = await target.createDatabase();
    const project = makeProject(files(count));
    cleanups.push(async () => {
      await db.drop();
      project.cleanup();
    });
    const config = await resolveConfig({ cwd: project.dir, searchCwd: false, flags: {}, environment: {}, overrides: { url: db.url, dir: project.migrations } });
    const migrator = createMigratorFromConfig(config);
    cleanups.unshift(() => migrator.close());
    const { count: measure } = counter(target);
    const up = await measure(() => migrator.up());
    expect(await db.tables()).toContain(`rt_${String(count).padStart(3, "0")}`);
    const down = await measure(() => migrator.down({ all: true }));
    expect((await db.tables()).filter((name) => name.startsWith("rt_"))).toEqual([]);
    return { up, down };
  };

  it("adds the same requests to each migration, applying and rolling back", async () => {
    const few = await requests(3);
    const many = await requests(13);
    const perMigration = { up: (many.up - few.up) / 10, down: (many.down - few.down) / 10 };
    if (target.name === "postgres") {
      expect(perMigration).toEqual({ up: 1, down: 1 });
    } else {
      // k = 3 up, 1 down: each statement and its progress, but the last's progress (the state
      // and log rows written right after it say it), and 6 more
      expect(perMigration).toEqual({ up: 2 * 3 - 1 + 6, down: 2 * 1 - 1 + 6 });
    }
  }, 120_000);
}

describe("round trips per migration", async () => {
  eachTarget([await postgresTarget(), await mysqlTarget()], "round trips", (target) => describe(target.name, () => suite(target)));
});
