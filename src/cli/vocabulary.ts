// The CLI's words for the settings: its flags. main.ts installs this vocabulary before running a
// command, so the library's messages name `--lock-timeout` where a library user reads `the
// lockTimeout option`.

import type { OptionName, Vocabulary } from "../index.js";

const FLAGS: Readonly<Record<OptionName, string>> = {
  url: "--url",
  dir: "--dir",
  ordering: "--ordering",
  table: "--table",
  logTable: "--log-table",
  schema: "--schema",
  lockTimeout: "--lock-timeout",
  parallel: "--parallel",
  transaction: "--transaction",
  allowOutOfOrder: "--allow-out-of-order",
  singleTransaction: "--single-transaction",
  dryRun: "--dry-run",
  backup: "--backup",
  configFile: "--config",
  env: "--env",
  yes: "--yes",
  to: "--to",
  step: "--step",
  batch: "--batch",
  all: "--all",
  target: "--target",
  allTargets: "--all-targets",
};

/** `--lock-timeout`; a value as the flag takes it: `--ordering graph`, `--dry-run=rehearse`. */
export const cliVocabulary: Vocabulary = {
  option(name, value) {
    const flag = FLAGS[name];
    if (value === undefined || value === true) return flag;
    return name === "dryRun" ? `${flag}=${String(value)}` : `${flag} ${String(value)}`;
  },
};
