// `stratum`: parses arguments, resolves configuration, calls the Migrator, renders what happens.
// Everything else is the library (STYLE 10). `run` never throws and never exits the process: it
// returns the exit code of SPEC §4.

import { DEFAULT_URL, EXIT, useVocabulary, VERSION } from "../basics.js";
import { Command, CommanderError } from "commander";
import { adoptCommand } from "./commands/adopt.js";
import { baselineCommand } from "./commands/baseline.js";
import { schemaCommand } from "./commands/schema.js";
import type { CommandContext, Invocation } from "./commands/command-context.js";
import { createCommand } from "./commands/create.js";
import { importCommand } from "./commands/import.js";
import { downCommand } from "./commands/down.js";
import { driftCommand } from "./commands/drift.js";
import { graphCommand } from "./commands/graph.js";
import { historyCommand } from "./commands/history.js";
import { initCommand } from "./commands/init.js";
import { planCommand } from "./commands/plan.js";
import { redoCommand } from "./commands/redo.js";
import { repairCommand } from "./commands/repair.js";
import { resolveCommand } from "./commands/resolve.js";
import { statsCommand } from "./commands/stats.js";
import { statusCommand } from "./commands/status.js";
import { upCommand } from "./commands/up.js";
import { validateCommand } from "./commands/validate.js";
import { verifyCommand } from "./commands/verify.js";
import { lintCommand } from "./commands/lint.js";
import { createOutput, type CliIo, type Output, type Verbosity } from "./io.js";
import { loadLibrary, type CliLibrary } from "./library.js";
import { parseGlobalOptions, usageError, type GlobalOptions } from "./options.js";
import type { Timers } from "./render/live-renderer.js";
import { reportError } from "./report-error.js";
import { cliVocabulary } from "./vocabulary.js";

export type { CliIo, InputStream, OutputStream } from "./io.js";

/** Replacements for tests: a fake library, a fixed clock and manual timers for the live display. */
export interface RunOverrides {
  readonly library?: CliLibrary;
  readonly clock?: () => number;
  readonly timers?: Timers;
}


/** What can be known about output settings before parsing (for errors raised by the parser). */
function prescan(argv: readonly string[]): { json: boolean; verbosity: Verbosity; color: boolean } {
  const end = argv.indexOf("--");
  const flags = end === -1 ? argv : argv.slice(0, end);
  return {
    json: flags.includes("--json"),
    verbosity: flags.includes("--quiet") || flags.includes("-q") ? "quiet" : flags.includes("--verbose") ? "verbose" : "normal",
    color: !flags.includes("--no-color"),
  };
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`;
}

function addCommonOptions(command: Command): Command {
  return command
    .option("--url <url>", `database URL (else STRATUM_URL, DATABASE_URL, the config, ${DEFAULT_URL})`)
    .option("--dir <path>", "migrations directory (default ./migrations)")
    .option("--config <file>", "configuration file, or a directory to look in (default stratum.config.{ts,mts,cts,js,mjs,cjs,json})")
    .option("--env <name>", "environment of the configuration to use (default STRATUM_ENV, NODE_ENV, else development)")
    .option("--table <name>", "state table (default stratum_migrations)")
    .option("--log-table <name>", "log table (default stratum_log)")
    .option("--schema <name>", "PostgreSQL schema holding the stratum tables (must exist)")
    .option("--lock-timeout <duration>", "how long to wait for the run lock: ms, or 10s, 2m, 1h")
    .option("--ordering <mode>", "linear or graph")
    .option("--json", "machine-readable output (NDJSON events for up/down)")
    .option("-y, --yes", "do not ask for confirmation on protected environments")
    .option("--verbose", "more detail, and stack traces for errors")
    .option("-q, --quiet", "print only errors")
    .option("--no-color", "no colours (NO_COLOR is honoured too)");
}

/** Local options win over the same option given before the command name. */
function mergedOptions(command: Command): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...command.opts() };
  const parent = command.parent;
  if (parent === null) return merged;
  for (const [key, value] of Object.entries(parent.opts())) {
    const parentSource = parent.getOptionValueSource(key);
    const localSource = command.getOptionValueSource(key);
    const localGiven = localSource !== undefined && localSource !== "default";
    if (parentSource !== undefined && parentSource !== "default" && !localGiven) merged[key] = value;
    else if (!(key in merged)) merged[key] = value;
  }
  return merged;
}

const UP_EXAMPLES = examples(
  "stratum up",
  "stratum up --to 005",
  "stratum up --dry-run",
  "stratum up --dry-run=rehearse",
  "stratum up --ordering graph --parallel 4",
  "stratum up --backup --env production",
  "stratum up --strict",
  "stratum up --all-targets --concurrency 8 --canary 5",
);

/** `stratum drift`: defined here, as adopt is, to keep buildProgram short. */
const DRIFT = {
  description: "compare the live schema with the one recorded after the last run; exit 3 on drift",
  help:
    "\nExit codes: 0 no drift, 3 drift found or no snapshot recorded yet (the sentence says how to get one).\n" +
    examples("stratum drift", "stratum drift --json", "stratum drift --replay"),
  options: [["--replay", "compare with the applied migrations replayed on a shadow database instead"]] as const,
};

/** `stratum adopt`: defined here, its text being long. */
const LINT = {
  description: "check migrations for statements that lock, rewrite, break the running application or lose data",
  help:
    "\nRules and how to silence one (-- stratum:lint-ignore <rule> <reason>): docs/lint.md.\n" +
    examples("stratum lint", "stratum lint --all --strict", "stratum lint 005_add_index.sql --format github", "stratum lint --json", "stratum lint --measure"),
  options: [
    ["--all", "lint every migration, not only the pending ones"],
    ["--strict", "fail (exit 3) on warnings too"],
    ["--measure", "also run them on a shadow database with seeded tables and report the locks, rewrites and algorithms the server used"],
    ["--format <format>", "text or github (workflow annotations; default text)"],
  ] as const,
};

const ADOPT = {
  description: "record the migrations another tool applied (its history table, or SQLite's user_version) as applied, running nothing",
  help:
    "\nThe other tool's table is only read. --from takes flyway, golang-migrate, dbmate, goose, knex, node-pg-migrate,\n" +
    "kysely, prisma, drizzle, sqitch, typeorm, sequelize, postgrator, atlas, or user-version (SQLite PRAGMA user_version).\n" +
    examples(
      "stratum adopt --from flyway --dry-run",
      "stratum adopt --from golang-migrate",
      "stratum adopt --from knex --from-table knex_history --from-schema legacy",
      "stratum adopt --from user-version",
    ),
  options: [
    ["--from <tool>", "the tool whose history to read"],
    ["--from-table <name>", "its history table, when not the tool's default name"],
    ["--from-schema <name>", "the schema (PostgreSQL) or database (MySQL) holding that table"],
    ["--dry-run", "print the mapping (their entry → our file → state) and change nothing"],
  ] as const,
};

/** `stratum schema dump|load`: the schema file. */
const SCHEMA = {
  description: "dump: write the whole schema as one file (schema.sql); load: apply that file to an empty database and baseline it",
  help:
    "\nActions: dump, load. The file records the dialect and the last applied version; load baselines the history to it.\n" +
    "With schemaFile in the config, up, down and redo rewrite the file after every run that changed the schema.\n" +
    examples("stratum schema dump", "stratum schema dump --file - > schema.sql", "stratum schema load --file db/schema.sql", "stratum schema dump --json"),
  options: [["--file <path>", "the schema file (default: schemaFile from the config, else schema.sql); - prints it (dump)"]] as const,
};

/** `--target` may be given more than once. */
function collect(value: string, previous: unknown): string[] {
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

/** The fleet flags of up, down, status, validate, plan and drift (docs/fleets.md). */
function withFleetOptions(command: Command): Command {
  return command
    .optionsGroup("Fleet options (see docs/fleets.md):")
    .option("--target <name|glob>", "run on this target of the config's targets (repeatable; a glob such as 'tenant_*')", collect)
    .option("--all-targets", "run on every target of the config's targets")
    .option("--concurrency <n>", "with a fleet: at most n targets at once (default 4)")
    .option("--canary <n>", "with a fleet: run the first n targets first, and skip the rest if one of them fails")
    .option("--fail-fast", "with a fleet: start no other target after a failure (running ones finish)");
}

/** `stratum verify`'s help (kept out of buildProgram, which lists every command). */
const VERIFY = {
  description: "on a shadow database, check that each migration's up → down → up gives back the schema it started from",
  help:
    "\nExit 3 when a down (or a second up) leaves the schema different, 1 when a migration fails to apply.\n" +
    examples("stratum verify", "stratum verify --pending", "stratum verify --from 041 --json"),
  options: [
    ["--from <version>", "replay the migrations up to and including this version without checks, verify the rest"],
    ["--pending", "replay what the target database has applied, verify the rest (the pull-request check)"],
    ["--parallel <n>", "split the set across up to n shadow databases verified at once (default 2 with two or more cores; 1: one shadow)"],
  ] as const,
};

function buildProgram(output: Output, onInvocation: (invocation: Invocation) => void): Command {
  const program = new Command("stratum");
  program
    .description("Database schema migrations for SQLite, PostgreSQL and MySQL/MariaDB.")
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => output.write(text),
      writeErr: (text) => output.writeError(text),
      outputError: () => undefined, // run() prints commander's errors as our own usage errors
    })
    .addHelpText(
      "after",
      "\nExit codes: 0 success, 1 a migration failed, 2 usage or configuration error, 3 validation failed,\n" +
        "4 lock not acquired in time, 5 cannot connect, 130/143 interrupted.\n" +
        examples("stratum init", "stratum create add_orders", "stratum up", "stratum status --json", "stratum up --help"),
    );
  addCommonOptions(program);

  const define = (
    usage: string,
    description: string,
    help: string,
    options: readonly (readonly [flags: string, description: string])[] = [],
  ): Command => {
    const command = program.command(usage).description(description).addHelpText("after", help);
    for (const [flags, text] of options) command.option(flags, text);
    command.optionsGroup("Common options:");
    addCommonOptions(command);
    command.action((...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      onInvocation({ command: self.name(), args: self.processedArgs, options: mergedOptions(self) });
    });
    return command;
  };

  defineCommands(define);
  return program;
}

type Define = (usage: string, description: string, help: string, options?: readonly (readonly [flags: string, description: string])[]) => Command;

/** The commands that run on a fleet with --target/--all-targets. */
const FLEET_COMMANDS = new Set(["status", "plan", "up", "down", "validate", "drift"]);

/** Every command, its help and its options, in the order `stratum --help` lists them. */
function defineCommands(defineOne: Define): void {
  const define: Define = (usage, ...rest) => {
    const command = defineOne(usage, ...rest);
    return FLEET_COMMANDS.has(usage.split(" ")[0] ?? "") ? withFleetOptions(command) : command;
  };
  define(
    "init",
    "create the migrations directory and a stratum.config.json (never overwrites)",
    examples("stratum init", "stratum init --url postgres://app@localhost/app --dir db/migrations"),
  );
  define(
    "create <name>",
    "write a new migration from a template, numbered like the others",
    examples("stratum create add_orders", "stratum create backfill_totals --ts"),
    [
      ["--sql", "an SQL migration with -- migrate:up / -- migrate:down sections (default)"],
      ["--ts", "a TypeScript migration"],
    ],
  );
  define(
    "import <dir>",
    "convert another tool's migrations directory into Stratum's own files (never overwrites)",
    "\nTools: golang-migrate, dbmate, goose, flyway, node-pg-migrate, prisma, drizzle, sqitch.\n" +
      "Stratum also reads these directories as they are (see format in the config); import is for those who want its own layout.\n" +
      examples("stratum import --from goose db/migrations", "stratum import --from flyway sql --out migrations"),
    [
      ["--from <tool>", "the tool whose migrations the directory holds"],
      ["--out <dir>", "where to write Stratum's files (default: the migrations directory, --dir)"],
    ],
  );
  define(
    "status",
    "list every migration with its state, applied time and duration",
    "\nstatus only reports: it exits 0 even when it flags changed, missing or dirty migrations.\n" +
      'Use "stratum validate" as the gate in CI.\n' +
      examples("stratum status", "stratum status --json", "stratum status --env production", "stratum status --all-targets"),
  );
  define("plan", "show what up (or down) would do, and why", examples("stratum plan", "stratum plan --to 005", "stratum plan --down --batch --json"), [
    ["--down", "plan a rollback instead"],
    ["--to <version>", "stop at this version"],
    ["--step <n>", "only the next n migrations"],
    ["--batch", "with --down: the last batch"],
    ["--all", "with --down: everything"],
    ["--allow-out-of-order", "accept pending migrations older than the newest applied one"],
  ]);
  define(
    "up",
    "apply pending migrations",
    UP_EXAMPLES,
    [
      ["--to <version>", "apply up to and including this version"],
      ["--step <n>", "apply at most n migrations"],
      ["--dry-run [mode]", 'print the plan and SQL without changing anything; "rehearse" runs it in a transaction and rolls back'],
      ["--single-transaction", "apply the whole run in one transaction where the database allows"],
      ["--parallel <n>", "graph ordering: run up to n independent migrations at once"],
      ["--backup", "take a backup before applying"],
      ["--allow-out-of-order", "apply pending migrations older than the newest applied one"],
      ["--strict", "refuse to run when the schema was changed outside migrations (see stratum drift)"],
    ],
  );
  define(
    "down [version...]",
    "roll back migrations (the last one by default)",
    examples("stratum down", "stratum down --step 2", "stratum down --to 003", "stratum down --batch --dry-run", "stratum down 007 --ordering graph"),
    [
      ["--to <version>", "roll back everything after this version"],
      ["--step <n>", "roll back the last n migrations"],
      ["--batch", "roll back the last batch"],
      ["--all", "roll back everything"],
      ["--dry-run", "print the plan and SQL without changing anything"],
    ],
  );
  define("redo", "roll back the last migration and apply it again", examples("stratum redo", "stratum redo --dry-run"), [
    ["--dry-run", "print the plan and SQL without changing anything"],
  ]);
  define("validate", "check migrations and history; exit 3 on any error", examples("stratum validate", "stratum validate --strict --json"), [
    ["--strict", "fail on warnings too"],
    ["--allow-out-of-order", "accept pending migrations older than the newest applied one"],
  ]);
  define("lint [files...]", LINT.description, LINT.help, LINT.options);
  define("history", "show the log of every operation", examples("stratum history", "stratum history --limit 20", "stratum history --version 005 --json"), [
    ["--limit <n>", "only the last n entries"],
    ["--version <version>", "only entries of this migration"],
  ]);
  define("stats", "counts, durations, slowest migrations and recent failures", examples("stratum stats", "stratum stats --json"));
  define("repair", "re-record the checksums of changed files (logged)", examples("stratum repair", "stratum repair --dry-run", "stratum repair --remove-missing"), [
    ["--remove-missing", "also delete the rows of applied migrations whose file is gone"],
    ["--dry-run", "list what would be repaired and change nothing"],
  ]);
  define(
    "resolve <version>",
    "settle a dirty migration after checking the database by hand",
    examples("stratum resolve 007 --applied", "stratum resolve 007 --rolled-back"),
    [
      ["--applied", "its changes are in the database: record it applied"],
      ["--rolled-back", "its changes are not in the database: record it rolled back"],
    ],
  );
  define("baseline <version>", "record an existing database as being at a version, running nothing", examples("stratum baseline 012"));
  define("adopt", ADOPT.description, ADOPT.help, ADOPT.options);
  define("schema <action>", SCHEMA.description, SCHEMA.help, SCHEMA.options);

  define(
    "graph",
    "print the dependency graph, marking applied, pending and conflicting migrations",
    "\nConflicts are migrations with no dependency path between them that touch the same table.\n" +
      examples("stratum graph", "stratum graph --format mermaid > graph.mmd", "stratum graph --format dot | dot -Tsvg > graph.svg", "stratum graph --json"),
    [["--format <format>", "text, mermaid or dot (default text)"]],
  );
  define("verify", VERIFY.description, VERIFY.help, VERIFY.options);
  define("drift", DRIFT.description, DRIFT.help, DRIFT.options);
}

/** commander's own errors become our one-sentence usage errors. */
export function usageMessage(error: CommanderError, showUrl: (url: string) => string): string {
  let message = error.message.replace(/^error:\s*/i, "");
  message = message.replace(/\s*\n\s*\(Did you mean ([^)]*)\?\)/, " (did you mean $1?)");
  // commander quotes the argument it rejects, which may be (or hold) a URL: show it as URLs are shown
  message = message.replace(/\s*\n\s*/g, " ").replace(/'(.*?)'(?=$|[\s.,;:)])/g, (_quoted, text: string) => `"${showUrl(text)}"`);
  message = message
    .replace(/^too many arguments for "([^"]+)"\. Expected (\d+) arguments? but got (\d+)\.$/, 'too many arguments for $1: expected $2, got $3')
    .replace(/^too many arguments\. Expected (\d+) arguments? but got (\d+)\.$/, "too many arguments: expected $1, got $2")
    .replace(/^option "([^"]+)" argument missing$/, "$1 needs a value")
    .replace(/^missing required argument "([^"]+)"$/, "missing the argument <$1>");
  if (error.code === "commander.unknownCommand" && !message.includes("did you mean")) {
    message += ' (run "stratum --help" to list the commands)';
  }
  return message;
}

async function dispatch(ctx: CommandContext, invocation: Invocation): Promise<number> {
  const { args, options } = invocation;
  const first = typeof args[0] === "string" ? args[0] : "";
  switch (invocation.command) {
    case "init":
      return initCommand(ctx);
    case "create":
      return createCommand(ctx, first, options);
    case "import":
      return importCommand(ctx, first, options);
    case "status":
      return statusCommand(ctx, options);
    case "plan":
      return planCommand(ctx, options);
    case "up":
      return upCommand(ctx, options);
    case "down":
      return downCommand(ctx, Array.isArray(args[0]) ? args[0].map(String) : [], options);
    case "redo":
      return redoCommand(ctx, options);
    case "validate":
      return validateCommand(ctx, options);
    case "lint":
      return lintCommand(ctx, Array.isArray(args[0]) ? args[0].map(String) : [], options);
    case "history":
      return historyCommand(ctx, options);
    case "stats":
      return statsCommand(ctx);
    case "repair":
      return repairCommand(ctx, options);
    case "resolve":
      return resolveCommand(ctx, first, options);
    case "baseline":
      return baselineCommand(ctx, first);
    case "graph":
      return graphCommand(ctx, options);
    case "drift":
      return driftCommand(ctx, options);
    case "adopt":
      return adoptCommand(ctx, options);
    case "schema":
      return schemaCommand(ctx, first, options);
    case "verify":
      return verifyCommand(ctx, options);
    default:
      throw usageError(`unknown command "${invocation.command}"`);
  }
}

function interruptionNotice(signal: AbortSignal): string {
  const name = typeof signal.reason === "string" ? signal.reason : "interrupt";
  return (
    `${name} received: the current migration finishes or rolls back, no new one starts, the lock is released ` +
    "(send it again to stop at once)"
  );
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code (SPEC §4;
 * 130 once `io.signal` has been aborted). No password reaches what it prints: URLs are shown through
 * `displayUrl`, and the one message that echoes the command line (a usage error) masks the URLs in it.
 */
export async function run(argv: readonly string[], io: CliIo, overrides: RunOverrides = {}): Promise<number> {
  // the library's messages name settings as flags from here on (`--lock-timeout`, not `the lockTimeout option`)
  useVocabulary(cliVocabulary);
  const pre = prescan(argv);
  const output = createOutput(io, { color: pre.color, verbosity: pre.verbosity, json: pre.json });
  let library: CliLibrary;
  try {
    library = overrides.library ?? (await loadLibrary());
  } catch (error) {
    return reportError(output, error, { json: pre.json, verbose: pre.verbosity === "verbose" });
  }

  let invocation: Invocation | undefined;
  const program = buildProgram(output, (parsed) => {
    invocation = parsed;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      if (error.code === "commander.help") return EXIT.usage; // no command: help went to stderr
      return reportError(output, usageError(usageMessage(error, library.displayUrl)), { json: pre.json, verbose: false });
    }
    return reportError(output, error, { json: pre.json, verbose: pre.verbosity === "verbose" });
  }
  if (invocation === undefined) return EXIT.ok;

  const signal = io.signal;
  let globals: GlobalOptions | undefined;
  const notice = (): void => {
    if (signal !== undefined && !(globals?.json ?? pre.json)) output.errorLine(interruptionNotice(signal));
  };
  signal?.addEventListener("abort", notice, { once: true });
  try {
    globals = parseGlobalOptions(invocation.options);
    output.configure({ color: globals.color, verbosity: globals.verbosity, json: globals.json });
    const ctx: CommandContext = {
      io,
      output,
      library,
      globals,
      signal,
      ...(overrides.clock === undefined ? {} : { clock: overrides.clock }),
      ...(overrides.timers === undefined ? {} : { timers: overrides.timers }),
    };
    const code = await dispatch(ctx, invocation);
    return signal?.aborted === true ? EXIT.interrupted : code;
  } catch (error) {
    const code = reportError(output, error, {
      json: globals?.json ?? pre.json,
      verbose: (globals?.verbosity ?? pre.verbosity) === "verbose",
    });
    return signal?.aborted === true ? EXIT.interrupted : code;
  } finally {
    signal?.removeEventListener("abort", notice);
  }
}
