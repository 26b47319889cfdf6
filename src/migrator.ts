// Composition: a target's ports and the surroundings, bound to the engine's operations.

import { hostname } from "node:os";
import type { Migrator, MigratorOptions } from "./api-types.js";
import { resolveConfig } from "./config/load.js";
import type { ResolvedConfig } from "./config/types.js";
import type { LoadedCode } from "./core/context.js";
import { EventBus } from "./core/events.js";
import type { MigrationFile } from "./core/types.js";
import { createDialect } from "./dialects/create-dialect.js";
import { DEFAULT_URL, dialectNameOf, displayUrl } from "./dialects/registry.js";
import { baseline, resolve } from "./engine/admin.js";
import { adopt } from "./engine/adopt.js";
import { repair } from "./engine/admin-repair.js";
import { down, redo } from "./engine/down.js";
import { graph, history, plan, stats, status, validate } from "./engine/inspect.js";
import { faultPointsFromEnv } from "./engine/faults.js";
import { createEngine, policyOf, type Deps, type Engine, type Target } from "./engine/ports.js";
import { drift } from "./engine/drift.js";
import { dumpSchema, loadSchema } from "./engine/schema-file.js";
import { up } from "./engine/up.js";
import { verify } from "./engine/verify.js";
import { lint } from "./engine/lint.js";
import { historyStore } from "./history/history-store.js";
import { loadCodeMigration } from "./source/code-loader.js";
import { fileSystemSource, type SourceOptions } from "./source/discover.js";
import { readInsideDir } from "./source/read-inside-dir.js";
import { TOOL_VERSION } from "./version.js";

/** Creates a migrator from library options (no config file is read unless `configFile` is given). */
export function createMigrator(options: MigratorOptions & { readonly configFile?: string } = {}): Migrator {
  const { env, cwd, client, environment, configFile, ...overrides } = options;
  const config = resolveConfig({
    cwd: cwd ?? process.cwd(),
    ...(configFile === undefined ? { searchCwd: false } : { configPath: configFile }),
    ...(env === undefined ? {} : { envName: env }),
    flags: {},
    environment: environment ?? process.env,
    overrides,
  });
  return lazyMigrator(config, overrides.url ?? DEFAULT_URL, client);
}

/** Creates a migrator from a resolved configuration (what the CLI does). */
export function createMigratorFromConfig(
  config: ResolvedConfig,
  extras: { readonly client?: unknown; readonly discoveryCache?: SourceOptions["cache"] } = {},
): Migrator {
  return lazyMigrator(Promise.resolve(config), config.url, extras.client, extras.discoveryCache);
}

/** A migrator over ports already built (an engine test's fakes, say); `deps` replaces the default surroundings. */
export function migratorFromTarget(config: ResolvedConfig, target: Target, deps: Partial<Deps> = {}): Migrator {
  const events = deps.events ?? new EventBus();
  const engine = Promise.resolve(createEngine(target, { ...defaultDeps(config, events), ...deps }, policyOf(config)));
  return bind(() => engine, events, {
    dialect: () => target.dialect.name,
    database: () => target.dialect.displayUrl,
    close: () => target.dialect.dispose(),
  });
}

/** An engine over the configured target, for operations called with their internal options (tests). */
export async function engineFor(config: ResolvedConfig, client?: unknown): Promise<Engine> {
  return createEngine(await targetOf(config, client), defaultDeps(config, new EventBus()), policyOf(config));
}

/** The dialect is created (and the config file read) when the migrator is first used. */
function lazyMigrator(
  configPromise: Promise<ResolvedConfig>,
  urlHint: string,
  client: unknown,
  cache: SourceOptions["cache"] = undefined,
): Migrator {
  const events = new EventBus();
  let built: Promise<Engine> | undefined;
  const engine = () =>
    (built ??= configPromise.then(async (config) => createEngine(await targetOf(config, client, cache), defaultDeps(config, events, cache), policyOf(config))));
  // Known at once from the options; replaced by the resolved URL (config file, environment) when ready.
  let url = urlHint;
  configPromise.then(
    (config) => (url = config.url),
    () => undefined,
  );
  return bind(engine, events, {
    dialect: () => dialectOf(url),
    database: () => displayUrl(url),
    close: async () => {
      if (built) await (await built).target.dialect.dispose();
    },
  });
}

async function targetOf(config: ResolvedConfig, client: unknown, cache: SourceOptions["cache"] = undefined): Promise<Target> {
  const dialect = await createDialect({
    url: config.url,
    schema: config.schema,
    schemaOrigin: config.origins?.schema,
    passwordFile: config.passwordFile,
    client,
    cwd: config.cwd,
    environment: process.env,
  });
  const source = fileSystemSource(config.dir, { format: config.format, dialect: dialect.name, cache });
  return { dialect, history: historyStore(dialect, { table: config.table, logTable: config.logTable }), source };
}

function defaultDeps(config: ResolvedConfig, events: EventBus, cache: SourceOptions["cache"] = undefined): Deps {
  const loaded = new Map<string, Promise<LoadedCode>>();
  return {
    events,
    hooks: config.hooks,
    identity: { host: hostname(), toolVersion: TOOL_VERSION, env: config.env },
    // each code migration is imported once per migrator
    loadCode: (migration: MigrationFile) => {
      let code = loaded.get(migration.path);
      if (!code) loaded.set(migration.path, (code = loadCodeMigration(migration)));
      return code;
    },
    readFile: (path) => readInsideDir(config.dir, path),
    faults: faultPointsFromEnv(process.env),
    targetAt: (url) => targetOf({ ...config, url, passwordFile: undefined }, undefined, cache),
    environment: process.env,
  };
}

function bind(
  engine: () => Promise<Engine>,
  events: EventBus,
  shown: { readonly dialect: () => Migrator["dialect"]; readonly database: () => string; readonly close: () => Promise<void> },
): Migrator {
  return {
    get dialect() {
      return shown.dialect();
    },
    get database() {
      return shown.database();
    },
    status: async (options) => status(await engine(), options),
    plan: async (options) => plan(await engine(), options),
    up: async (options) => up(await engine(), options),
    down: async (options) => down(await engine(), options),
    redo: async (options) => redo(await engine(), options),
    validate: async (options) => validate(await engine(), options),
    lint: async (options) => lint(await engine(), options),
    history: async (options) => history(await engine(), options),
    stats: async (options) => stats(await engine(), options),
    repair: async (options) => repair(await engine(), options),
    resolve: async (version, outcome, options) => resolve(await engine(), version, outcome, options),
    baseline: async (version, options) => baseline(await engine(), version, options),
    adopt: async (options) => adopt(await engine(), options),
    graph: async (options) => graph(await engine(), options),
    verify: async (options) => verify(await engine(), options),
    drift: async (options) => drift(await engine(), options),
    dumpSchema: async (options) => dumpSchema(await engine(), options),
    loadSchema: async (options) => loadSchema(await engine(), options),
    on: (listener) => events.subscribe(listener),
    close: shown.close,
  };
}

/** The URL's dialect; a bad URL is reported when the migrator is used, and shows the default's until then. */
function dialectOf(url: string): Migrator["dialect"] {
  return dialectNameOf(url) ?? dialectNameOf(DEFAULT_URL) ?? "";
}
