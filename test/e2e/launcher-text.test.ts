import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN } from "../support/cli.js";

/**
 * The launcher (dist/cli/stratum.mjs) compiles the CLI's text from dist/cli/stratum-cli.script,
 * beside it (issue 16: the text held once, not also as a string literal in the launcher's source).
 * A missing text, or one of another build, is one clear error, never a stack trace or the wrong code.
 */
const TEXT = join(dirname(BIN), "stratum-cli.script");
let app = "";

beforeEach(() => {
  app = mkdtempSync(join(tmpdir(), "stratum-launcher-"));
  copyFileSync(BIN, join(app, "stratum.mjs"));
});
afterEach(() => rmSync(app, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [join(app, "stratum.mjs"), ...args], { cwd: app, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the launcher and the CLI's text beside it", () => {
  it("runs the CLI from the text beside it", () => {
    copyFileSync(TEXT, join(app, "stratum-cli.script"));
    const result = run("--version");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("without the text: one error naming the file and the fix, exit 1, nothing written", () => {
    const result = run("--version");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${join(app, "stratum-cli.script")} is missing, or is not the one ${join(app, "stratum.mjs")} was built with, so the command cannot start\n` +
        "fix: reinstall stratumdb (npm install stratumdb), or run npm run build in a checkout\n",
    );
    expect(result.stdout).toBe("");
    expect(readdirSync(app)).toEqual(["stratum.mjs"]);
  });

  it("with the text of another build: the same error, and the other text is not run", () => {
    const text = readFileSync(TEXT, "latin1");
    // another build: its first line names another build; its code would print something else
    writeFileSync(join(app, "stratum-cli.script"), `//0000000000000000\n(function () { process.stdout.write("other build ran"); })`, "latin1");
    expect(text.startsWith("//0000000000000000\n")).toBe(false);
    const result = run("--version");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^error: .*stratum-cli\.script is missing, or is not the one .* was built with, so the command cannot start\nfix: reinstall stratumdb/);
  });
});
