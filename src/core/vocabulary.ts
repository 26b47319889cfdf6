// How the library's messages name a setting. A library user set it as an option of
// createMigrator (`the lockTimeout option`, `singleTransaction: true`); a CLI user set it as a
// flag (`--lock-timeout`, `--single-transaction`). The library writes every mention through the
// installed vocabulary, and a program in front of it (the stratum CLI) installs its own once, at
// start, so each reader sees the words they can act on.

/** A setting as the caller knows it: an option key of createMigrator, up() or the config. */
export type OptionName =
  | "url"
  | "dir"
  | "ordering"
  | "table"
  | "logTable"
  | "schema"
  | "lockTimeout"
  | "parallel"
  | "transaction"
  | "allowOutOfOrder"
  | "singleTransaction"
  | "dryRun"
  | "backup"
  | "configFile"
  | "env"
  | "yes"
  | "to"
  | "step"
  | "batch"
  | "all"
  | "target"
  | "allTargets";

/** The words for the settings, as one small port. */
export interface Vocabulary {
  /**
   * The setting `name`, or the setting given `value`, as the reader would write it: for the
   * library, `the lockTimeout option` and `dryRun: "rehearse"`; for the CLI, `--lock-timeout`
   * and `--dry-run=rehearse`.
   */
  option(name: OptionName, value?: string | number | boolean): string;
}

/** The library's own words: option keys, as createMigrator and up() take them. */
export const optionVocabulary: Vocabulary = {
  option: (name, value) => (value === undefined ? `the ${name} option` : `${name}: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`),
};

let installed: Vocabulary = optionVocabulary;

/**
 * Makes the library's messages name settings in `vocabulary`'s words from now on, for the whole
 * process. A program wrapping the library calls it once at start; the default is optionVocabulary.
 */
export function useVocabulary(vocabulary: Vocabulary): void {
  installed = vocabulary;
}

/** The setting `name` (with `value`) in the installed vocabulary's words, for a message. */
export function option(name: OptionName, value?: string | number | boolean): string {
  return installed.option(name, value);
}

/** The setting with a definite article, for `Check the … path`: `the --config`, `the configFile option`. */
export function theOption(name: OptionName): string {
  const text = option(name);
  return text.startsWith("the ") ? text : `the ${text}`;
}
