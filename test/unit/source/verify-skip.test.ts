// The code migration's equivalent of `-- stratum:verify skip <reason>`: `skipVerify: "<reason>"`.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { loadCodeMigration } from "../../../src/source/code-loader.js";
import { discoverMigrations } from "../../../src/source/discover.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stratum-skip-verify-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(file: string, text: string) {
  await writeFile(join(dir, file), text);
  const { migrations } = await discoverMigrations(dir);
  const migration = migrations.find((m) => m.files[0] === file);
  if (migration === undefined) throw new Error(`${file} not discovered`);
  return loadCodeMigration(migration);
}

describe("skipVerify in a code migration", () => {
  it("a named export and a defineMigration key both carry the reason", async () => {
    const named = await load("001_named.ts", "export const skipVerify = ' calls a payment API ';\nexport async function up() {}\n");
    expect(named.options.verifySkip).toBe("calls a payment API");
    const defined = await load("002_defined.mjs", "export default { skipVerify: 'reads a file', async up() {} };\n");
    expect(defined.options.verifySkip).toBe("reads a file");
  });

  it("an empty or non-string reason is a BAD_DIRECTIVE naming the file", async () => {
    for (const [file, value] of [["003_empty.ts", "''"], ["004_bool.ts", "true"]] as const) {
      const error = await load(file, `export const skipVerify = ${value};\nexport async function up() {}\n`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toMatchObject([
        { code: "BAD_DIRECTIVE", files: [file], message: `"skipVerify" in ${file} must be the reason, a non-empty string.` },
      ]);
    }
  });
});
