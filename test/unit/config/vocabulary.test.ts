// Library messages name a setting as the library user set it (an option); the CLI installs its
// flags as the vocabulary, so its messages name `--lock-timeout` and friends instead.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, describe, expect, it } from "vitest";

import { cliVocabulary } from "../../../src/cli/vocabulary.js";
import { ConfigError, optionVocabulary, resolveConfig, useVocabulary } from "../../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "stratum-vocabulary-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => useVocabulary(optionVocabulary));

async function configError(run: () => Promise<unknown>): Promise<ConfigError> {
  const error = await run().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("the option vocabulary (the library's default)", () => {
  it("names a setting as an option, and a setting with a value as the key and value", () => {
    expect(optionVocabulary.option("lockTimeout")).toBe("the lockTimeout option");
    expect(optionVocabulary.option("singleTransaction", true)).toBe("singleTransaction: true");
    expect(optionVocabulary.option("dryRun", "rehearse")).toBe('dryRun: "rehearse"');
  });

  it("is what a library user reads: an invalid setting is named as an option, not a flag", async () => {
    const error = await configError(() => resolveConfig({ cwd: root, searchCwd: false, flags: { parallel: "lots" }, environment: {} }));
    expect(error.message).toBe('invalid value for the parallel option: expected an integer from 1 to 64, got "lots"');
    expect(error.message).not.toContain("--");
  });

  it("names the configFile option when the config file given does not exist", async () => {
    const error = await configError(() => resolveConfig({ cwd: root, configPath: "nope.json", flags: {}, environment: {} }));
    expect(error.fix).toContain("Check the configFile option path (looked for");
    expect(error.fix).not.toContain("--config");
  });

  it("names the url option when the library options give an empty URL", async () => {
    const error = await configError(() => resolveConfig({ cwd: root, searchCwd: false, flags: {}, environment: {}, overrides: { url: " " } }));
    expect(error.fix).toBe("Set url, DATABASE_URL or the url option.");
  });
});

describe("the CLI vocabulary", () => {
  it("names settings as the CLI's flags", () => {
    expect(cliVocabulary.option("lockTimeout")).toBe("--lock-timeout");
    expect(cliVocabulary.option("singleTransaction", true)).toBe("--single-transaction");
    expect(cliVocabulary.option("dryRun", "rehearse")).toBe("--dry-run=rehearse");
    expect(cliVocabulary.option("ordering", "graph")).toBe("--ordering graph");
    expect(cliVocabulary.option("configFile")).toBe("--config");
  });

  it("once installed, is what the library's messages say", async () => {
    useVocabulary(cliVocabulary);
    const error = await configError(() => resolveConfig({ cwd: root, searchCwd: false, flags: { parallel: "lots" }, environment: {} }));
    expect(error.message).toBe('invalid value for --parallel: expected an integer from 1 to 64, got "lots"');
  });
});
