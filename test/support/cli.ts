import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/cli/stratum.mjs", import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for "never printed" assertions. */
  readonly output: string;
}

export interface CliOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Runs the built `stratum` binary as a user would, without a terminal. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, NO_COLOR: "1", ...options.env })) {
      if (value !== undefined && !key.startsWith("STRATUM_") && key !== "DATABASE_URL") env[key] = value;
    }
    for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    collect(child, options.timeoutMs ?? 60_000).then(resolve, reject);
    child.stdin.end(options.input ?? "");
  });
}

/** Whom `runCliAsUser` runs the CLI as: `nobody` when the tests run as root (who may write anything), else the test's own user. */
export const UNPRIVILEGED: { readonly uid: number; readonly gid: number } | null = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;

/**
 * Runs the built binary as `UNPRIVILEGED`, with a bare environment (PATH, HOME, NO_COLOR), so file
 * permissions apply as they would to a non-root user.
 */
export function runCliAsUser(args: readonly string[], cwd: string): Promise<CliResult> {
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmpdir(), NO_COLOR: "1" };
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"], ...(UNPRIVILEGED ?? {}) });
  return collect(child, 60_000);
}

/** A spawned CLI's output and exit code; killed after `timeoutMs`. */
function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, output: stdout + stderr });
    });
  });
}
