// The light part of the public API: values with no engine, driver or loader behind them. index.ts
// re-exports all of it; a program that must start fast (the stratum CLI, whose `--help` should
// not evaluate the engine) imports this module alone and loads index.ts when it runs a command.

// Named, not `export *`: errors.ts also holds helpers the engine uses that are not public API.
export {
  BackupError,
  ConfigError,
  ConnectionError,
  describeProblem,
  EXIT,
  InterruptedError,
  IrreversibleError,
  LockTimeoutError,
  MigrationError,
  SchemaError,
  StratumError,
  summariseProblems,
  TransactionError,
  ValidationError,
} from "./core/errors.js";
/** How messages name settings: `useVocabulary` installs a program's own words (the CLI's flags). */
export { optionVocabulary, useVocabulary } from "./core/vocabulary.js";
/** The config file names searched for in a directory, in order. */
export { CONFIG_FILE_NAMES } from "./config/file-names.js";
/** A duration (`"30s"`, `"1.5m"`, `10000`) in milliseconds; undefined when it is not one. */
export { parseDuration } from "./config/duration.js";
/** The database used when no URL is given anywhere (a SQLite file in the working directory). */
export { DEFAULT_URL } from "./dialects/registry.js";
/** A database URL with its password masked: the one way a URL is shown. */
export { displayUrl } from "./dialects/url.js";
/** Masks URL passwords and `password=` values in text Stratum did not write (a driver's message). */
export { redactUrl } from "./text/redact.js";
/** The canonical form of a version (`007` → `7`): versions compare as integers. */
export { versionKey } from "./core/version.js";
/** This package's version. */
export { TOOL_VERSION as VERSION } from "./version.js";
export { interruptible } from "./core/interruptible.js";
