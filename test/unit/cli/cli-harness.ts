// An in-memory CliIo and a scripted fake of the library's CLI port, for unit tests of the CLI.
// displayUrl is the real one (pure); configuration and the Migrator are fakes.

import { PassThrough } from "node:stream";
import type {
  ConfirmFn,
  DownOptions,
  Migrator,
  PlanOptions,
  PlanResult,
  RunReport,
  Stats,
  UpOptions,
  ValidateReport,
} from "../../../src/api-types.js";
import type { CliIo, InputStream, OutputStream } from "../../../src/cli/io.js";
import { ConfigError } from "../../../src/core/errors.js";
import { importDirectory } from "../../../src/source/import-directory.js";
import { baselineAction, redoAction, repairAction, resolveAction, rollbackAction } from "../../../src/core/confirm-actions.js";
import type { CliLibrary, ConfigRequest } from "../../../src/cli/library.js";
import { run } from "../../../src/cli/main.js";
import type { ResolvedConfig } from "../../../src/config/types.js";
import type { Listener, MigratorEvent } from "../../../src/core/events.js";
import type { AppliedMigration, LogEntry, StatusReport } from "../../../src/core/types.js";
import { displayUrl } from "../../../src/dialects/url.js";
import { runFleet } from "../../../src/fleet/operations.js";
import { resolveTargets } from "../../../src/fleet/targets.js";

export interface CaptureStream extends OutputStream {
  text(): string;
}

export function captureStream(isTTY = false, columns = 100): CaptureStream {
  const chunks: string[] = [];
  return {
    isTTY,
    columns,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(""),
  };
}

export interface MemoryIo {
  readonly io: CliIo;
  readonly stdout: CaptureStream;
  readonly stderr: CaptureStream;
  readonly stdin: PassThrough & { isTTY?: boolean };
}

export function memoryIo(
  options: {
    env?: Record<string, string | undefined>;
    stdoutTTY?: boolean;
    stdinTTY?: boolean;
    input?: string;
    cwd?: string;
    signal?: AbortSignal;
  } = {},
): MemoryIo {
  const stdout = captureStream(options.stdoutTTY ?? false);
  const stderr = captureStream(options.stdoutTTY ?? false);
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.stdinTTY === true) stdin.isTTY = true;
  if (options.input !== undefined) stdin.end(options.input);
  const io: CliIo = {
    env: options.env ?? {},
    stdout,
    stderr,
    stdin: stdin as InputStream,
    cwd: options.cwd ?? "/project",
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  return { io, stdout, stderr, stdin };
}

export function resolvedConfig(overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    url: "sqlite:./stratum.db",
    dir: "/project/migrations",
    ordering: "linear",
    table: "stratum_migrations",
    logTable: "stratum_log",
    schema: undefined,
    lockTimeoutMs: 10_000,
    migrationLockTimeoutMs: undefined,
    statementTimeoutMs: undefined,
    parallel: 1,
    transaction: "each",
    allowOutOfOrder: false,
    protected: false,
    passwordFile: undefined,
    backupDir: "/project/backups",
    hooks: {},
    env: "development",
    configFile: undefined,
    cwd: "/project",
    ...overrides,
  };
}

export function runReport(overrides: Partial<RunReport> = {}): RunReport {
  return {
    direction: "up",
    ok: true,
    migrations: [],
    durationMs: 10,
    backup: null,
    dryRun: false,
    warnings: [],
    ...overrides,
  };
}

/** What the fake Migrator does; each method defaults to a harmless answer. */
export interface Script {
  readonly config?: Partial<ResolvedConfig>;
  /** Events emitted, in order, during up/down/redo before the report is returned. */
  readonly events?: readonly MigratorEvent[];
  readonly report?: RunReport;
  readonly fail?: unknown;
  readonly status?: StatusReport;
  readonly plan?: PlanResult;
  readonly validate?: ValidateReport;
  readonly history?: LogEntry[];
  readonly stats?: Stats;
}

export interface Calls {
  readonly resolveConfig: ConfigRequest[];
  readonly up: UpOptions[];
  readonly down: DownOptions[];
  readonly redo: unknown[];
  readonly plan: PlanOptions[];
  readonly history: unknown[];
  readonly repair: unknown[];
  readonly resolve: unknown[][];
  readonly baseline: string[];
  readonly validate: unknown[];
  closed: number;
}

export function fakeLibrary(script: Script = {}): { library: CliLibrary; calls: Calls } {
  const calls: Calls = {
    resolveConfig: [],
    up: [],
    down: [],
    redo: [],
    plan: [],
    history: [],
    repair: [],
    resolve: [],
    baseline: [],
    validate: [],
    closed: 0,
  };
  const listeners = new Set<Listener>();
  // the configuration the last migrator was created with: like the library, a change to a
  // protected environment is first put to the caller's `confirm` (or refused without one)
  let current = resolvedConfig();
  const confirmed = async (options: { readonly confirm?: ConfirmFn }, action: string | null): Promise<void> => {
    if (!current.protected || action === null) return;
    const database = displayUrl(current.url);
    if (options.confirm === undefined) throw new ConfigError(`refusing to ${action} on the protected environment "${current.env}" without confirmation`, { code: "USAGE" });
    if ((await options.confirm({ action, environment: current.env, database })) !== true) {
      throw new ConfigError(`cancelled: did not ${action}; nothing was changed`, { code: "USAGE" });
    }
  };
  const downSteps = () => script.plan?.steps ?? [];
  const perform = async (): Promise<RunReport> => {
    for (const event of script.events ?? []) for (const listener of listeners) listener(event);
    if (script.fail !== undefined) throw script.fail;
    return script.report ?? runReport();
  };
  const migrator: Migrator = {
    dialect: "sqlite",
    database: "sqlite:./stratum.db",
    status: async () => {
      if (script.fail !== undefined) throw script.fail;
      return script.status ?? { migrations: [], pending: 0, dirty: false, problems: [] };
    },
    plan: async (options) => {
      calls.plan.push(options);
      return script.plan ?? { steps: [], warnings: [] };
    },
    up: async (options = {}) => {
      calls.up.push(options);
      return perform();
    },
    down: async (options = {}) => {
      const { confirm: _confirm, ...recorded } = options;
      await confirmed(options, options.dryRun === true || downSteps().length === 0 ? null : rollbackAction(downSteps()));
      calls.down.push(recorded);
      return perform();
    },
    redo: async (options = {}) => {
      const { confirm: _confirm, ...recorded } = options;
      const last = downSteps()[0];
      await confirmed(options, options.dryRun === true || last === undefined ? null : redoAction(last));
      calls.redo.push(recorded);
      return perform();
    },
    validate: async (options = {}) => {
      calls.validate.push(options);
      return script.validate ?? { ok: true, problems: [], migrations: 0 };
    },
    history: async (options = {}) => {
      calls.history.push(options);
      return script.history ?? [];
    },
    stats: async () =>
      script.stats ?? {
        applied: 0,
        pending: 0,
        failures: 0,
        rollbacks: 0,
        totalDurationMs: 0,
        meanDurationMs: 0,
        p95DurationMs: 0,
        slowest: [],
        recentFailures: [],
      },
    repair: async (options = {}) => {
      const { confirm: _confirm, ...recorded } = options;
      await confirmed(options, options.dryRun === true ? null : repairAction(options.removeMissing === true));
      calls.repair.push(recorded);
      return { updated: [], removed: [], missing: [], renamed: [] };
    },
    resolve: async (version, outcome, options = {}) => {
      await confirmed(options, resolveAction(version, outcome));
      calls.resolve.push([version, outcome]);
      const row: AppliedMigration = {
        version,
        name: "x",
        checksum: "c",
        state: outcome === "applied" ? "applied" : "rolled_back",
        appliedAt: null,
        durationMs: null,
        batch: 1,
        appliedBy: null,
        statementsDone: 0,
        dependsOn: [],
        error: null,
      };
      return row;
    },
    baseline: async (version, options = {}) => {
      await confirmed(options, baselineAction(version));
      calls.baseline.push(version);
      return [version];
    },
    graph: async () => ({ ordering: "linear", nodes: [], conflicts: [] }),
    on: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      calls.closed += 1;
    },
  };
  const library: CliLibrary = {
    resolveConfig: async (request) => {
      calls.resolveConfig.push(request);
      return resolvedConfig({ ...(request.flags.url === undefined ? {} : { url: request.flags.url }), ...script.config });
    },
    // like the real one, the migrator shows the resolved URL through displayUrl
    createMigrator: (config) => {
      current = config;
      return { ...migrator, database: displayUrl(config.url) };
    },
    createMigration: async (dir, name, kind) => ({ path: `${dir}/003_${name}.${kind}`, version: "003" }),
    importMigrations: (dir, options) => importDirectory(dir, options),
    displayUrl,
    // the real fan-out, over the fake migrators (the CLI passes its createMigrator)
    resolveTargets: (config, selection) => resolveTargets(config, selection),
    runFleet: (config, request, options) => runFleet(config, request, options),
  };
  return { library, calls };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: Calls;
}

/** Runs the CLI in memory with a scripted library. */
export async function runCli(
  argv: readonly string[],
  script: Script = {},
  ioOptions: Parameters<typeof memoryIo>[0] = {},
): Promise<CliRun> {
  const { library, calls } = fakeLibrary(script);
  const { io, stdout, stderr } = memoryIo(ioOptions);
  const code = await run(argv, io, { library, clock: () => 0 });
  return { code, stdout: stdout.text(), stderr: stderr.text(), calls };
}
