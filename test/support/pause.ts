import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { BIN, type CliResult } from "./cli.js";

/** Where a paused CLI stopped: `stratum-test-pause: <point> <version>`. */
export interface PausePoint {
  readonly point: string;
  /** The migration's version, or null for run-level checkpoints (after-lock, before-unlock). */
  readonly version: string | null;
}

/** A `stratum` process started in the background. */
export interface RunningCli {
  readonly pid: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal (SIGKILL, SIGINT, SIGTERM, SIGUSR2, …); a no-op once the process has exited. */
  kill(signal: NodeJS.Signals): void;
  /** SIGUSR2: a paused process carries on from its checkpoint. */
  resume(): void;
  /** Resolves at the next checkpoint line on stderr (rejects if the process exits first or `timeoutMs` passes). */
  nextPause(timeoutMs?: number): Promise<PausePoint>;
  /** Resolves once stdout or stderr (so far or later) matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited. `signal` is set when a signal ended it. */
  readonly exited: Promise<CliExit>;
  /** Whether the process has exited. */
  done(): boolean;
}

export interface CliExit extends CliResult {
  readonly signal: NodeJS.Signals | null;
  readonly elapsedMs: number;
}

export interface StartOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** STRATUM_TEST_PAUSE: `<checkpoint>[@<version>][,…]`. */
  readonly pause?: string;
  /** Killed with SIGKILL after this long (default 120 s), so a stuck test never hangs the suite. */
  readonly timeoutMs?: number;
  /** The test's group, stopped by its cleanup. */
  readonly group?: CliGroup;
}

const MARKER = /^stratum-test-pause: (\S+) (\S+)$/;

/**
 * How long `runUntilPause` waits after the checkpoint line before handing the process over. The
 * CLI prints the line just before it starts listening for SIGUSR2, so a SIGUSR2 sent at once can
 * (rarely, on a loaded machine) arrive first and kill it with the signal's default action.
 */
export const PAUSE_GRACE_MS = 30;

/** stderr without the checkpoint lines, for assertions on what the CLI itself said. */
export function withoutMarkers(text: string): string {
  return text
    .split("\n")
    .filter((line) => !MARKER.test(line))
    .join("\n");
}

/** CLIs started for one test, so its cleanup stops its own strays (and no other test's). */
export interface CliGroup {
  add(cli: RunningCli): void;
  /** SIGKILLs the members still running (paused ones included) and waits for them; returns how many. */
  stop(): Promise<number>;
}

export function cliGroup(): CliGroup {
  const members = new Set<RunningCli>();
  return {
    add: (cli) => {
      members.add(cli);
      void cli.exited.then(
        () => members.delete(cli),
        () => members.delete(cli),
      );
    },
    async stop() {
      const strays = [...members].filter((cli) => !cli.done());
      for (const cli of strays) cli.kill("SIGKILL");
      await Promise.all(strays.map((cli) => cli.exited.catch(() => undefined)));
      return strays.length;
    },
  };
}

/** Every CLI started here: `stopStrays()` stops them all (for suites whose tests run one at a time). */
const everyone = cliGroup();

export function stopStrays(): Promise<number> {
  return everyone.stop();
}

/** The environment a child CLI gets: ours without STRATUM_* and DATABASE_URL, plus `extra`. */
export function childEnv(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("STRATUM_") && key !== "DATABASE_URL") env[key] = value;
  }
  env["NO_COLOR"] = "1";
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Starts the built CLI in the background (as `runCli` does, without waiting for it). */
export function startCli(args: readonly string[], options: StartOptions): RunningCli {
  const env = childEnv({ ...options.env, ...(options.pause === undefined ? {} : { STRATUM_TEST_PAUSE: options.pause }) });
  const started = performance.now();
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  let pending = "";
  let finished = false;
  const pauses: PausePoint[] = [];
  const waiters: Array<{ resolve: (p: PausePoint) => void; reject: (e: Error) => void }> = [];
  const watchers: Array<{ pattern: RegExp; resolve: () => void; reject: (e: Error) => void }> = [];
  const checkWatchers = () => {
    for (const watcher of [...watchers]) {
      if (watcher.pattern.test(stdout) || watcher.pattern.test(stderr)) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
    }
  };

  const exited = new Promise<CliExit>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      finished = true;
      const result: CliExit = {
        code: code ?? (signal === null ? -1 : 128),
        signal,
        stdout,
        stderr,
        output: stdout + stderr,
        elapsedMs: performance.now() - started,
      };
      for (const watcher of watchers.splice(0)) {
        watcher.reject(new Error(`stratum exited (${signal ?? `code ${String(code)}`}) before printing ${String(watcher.pattern)}; output:\n${result.output}`));
      }
      for (const waiter of waiters.splice(0)) {
        waiter.reject(
          new Error(`stratum exited (${signal ?? `code ${String(code)}`}) before reaching the checkpoint; output:\n${result.output}`),
        );
      }
      resolve(result);
    });
  });

  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    checkWatchers();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    stderr += text;
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const match = MARKER.exec(line);
      if (!match) continue;
      const point: PausePoint = { point: match[1] ?? "", version: match[2] === "-" ? null : (match[2] ?? null) };
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(point);
      else pauses.push(point);
    }
    checkWatchers();
  });

  const send = (signal: NodeJS.Signals) => {
    if (finished || child.exitCode !== null || child.signalCode !== null) return;
    try {
      child.kill(signal);
    } catch {
      // exited between the check and the kill
    }
  };

  const handle: RunningCli = {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: send,
    resume: () => send("SIGUSR2"),
    done: () => finished,
    exited,
    nextPause(timeoutMs = 30_000) {
      const ready = pauses.shift();
      if (ready) return Promise.resolve(ready);
      if (finished) return Promise.reject(new Error(`stratum already exited; output:\n${stdout}${stderr}`));
      return new Promise<PausePoint>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`no checkpoint within ${timeoutMs} ms; output so far:\n${stdout}${stderr}`));
        }, timeoutMs);
        const waiter = {
          resolve: (p: PausePoint) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.push(waiter);
      });
    },
    waitFor(pattern, timeoutMs = 30_000) {
      if (pattern.test(stdout) || pattern.test(stderr)) return Promise.resolve();
      if (finished) return Promise.reject(new Error(`stratum already exited without printing ${String(pattern)}; output:\n${stdout}${stderr}`));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = watchers.indexOf(watcher);
          if (index >= 0) watchers.splice(index, 1);
          reject(new Error(`stratum printed no ${String(pattern)} within ${timeoutMs} ms; output so far:\n${stdout}${stderr}`));
        }, timeoutMs);
        const watcher = {
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        watchers.push(watcher);
      });
    },
  };
  everyone.add(handle);
  options.group?.add(handle);
  return handle;
}

/** A CLI stopped at a checkpoint. */
export interface PausedCli extends RunningCli {
  /** The checkpoint it stopped at. */
  readonly at: PausePoint;
}

/**
 * Starts `stratum <args>` with `STRATUM_TEST_PAUSE=<pause>` and resolves once it has printed its
 * checkpoint line (rejecting, with its output, if it exits first). Kill it, cut its connection or
 * `resume()` it, then await `exited`.
 */
export async function runUntilPause(args: readonly string[], options: StartOptions & { readonly pause: string }): Promise<PausedCli> {
  const cli = startCli(args, options);
  try {
    const at = await cli.nextPause();
    await new Promise((resolve) => setTimeout(resolve, PAUSE_GRACE_MS));
    return { ...cli, at };
  } catch (error) {
    cli.kill("SIGKILL");
    await cli.exited.catch(() => undefined);
    throw error;
  }
}

/** Kills with `signal` and waits for the exit. */
export async function killAndWait(cli: RunningCli, signal: NodeJS.Signals = "SIGKILL"): Promise<CliExit> {
  cli.kill(signal);
  return cli.exited;
}
