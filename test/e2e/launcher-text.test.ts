import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  mkdirSync(join(app, "tmp"));
});
afterEach(() => rmSync(app, { recursive: true, force: true }));

function run(...args: string[]) {
  // no node_modules above the copy: the code cache goes to TMPDIR's stratumdb-code-cache-<uid>
  const result = spawnSync(process.execPath, [join(app, "stratum.mjs"), ...args], { cwd: app, encoding: "utf8", env: { ...process.env, TMPDIR: join(app, "tmp") } });
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
    expect(readdirSync(app).sort()).toEqual(["stratum.mjs", "tmp"]);
    expect(readdirSync(join(app, "tmp"), { recursive: true })).toEqual([]);
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

  it("the code cache is written after the first run, and again after the first run of each other command only", () => {
    copyFileSync(TEXT, join(app, "stratum-cli.script"));
    const dir = join(app, "tmp", `stratumdb-code-cache-${process.getuid?.() ?? 0}`);
    expect(run("--version").code).toBe(0);
    const [cache, listed] = readdirSync(dir).sort();
    expect(cache).toMatch(/^stratum-[0-9a-f]{16}-v[\d.]+-\w+\.v8cache$/);
    expect(listed).toBe(`${cache}.commands`);
    const list = () => readFileSync(join(dir, listed as string), "utf8").split("\n");
    const written = () => statSync(join(dir, cache as string)).mtimeMs;
    expect(list()).toEqual(["-"]);
    const first = written();
    expect(run("--version").code).toBe(0);
    expect(written()).toBe(first);
    expect(run("help").code).toBe(0);
    expect(list()).toEqual(["-", "help"]);
    const second = written();
    expect(second).toBeGreaterThan(first);
    expect(run("help").code).toBe(0);
    expect(run("--version").code).toBe(0);
    expect(written()).toBe(second);
    expect(list()).toEqual(["-", "help"]);
    expect(readdirSync(dir).sort()).toEqual([cache, listed]);
  });
});
