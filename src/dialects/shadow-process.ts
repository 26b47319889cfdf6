// What the PostgreSQL and MySQL shadows share when they start a throwaway server of their own: a
// temporary directory, the user to run as when Stratum runs as root (neither server runs as root),
// a free loopback port, a bounded wait for the server's "ready" line, and stopping it — in close(),
// and on the way out of the process when close() was never reached.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../core/errors.js";

/** Who runs the server: the current user, or, when that is root, a system user. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

/** When running as root: the system user `preferred` if it exists, else nobody (65534). Undefined otherwise. */
export function runAsFor(preferred: string): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , uid, gid] = line.split(":");
      if (name === preferred && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid), name };
    }
  } catch {
    // no /etc/passwd: fall back to nobody
  }
  return { uid: 65534, gid: 65534, name: "nobody" };
}

/** A new temporary directory, owned by `runAs` when given. */
export function makeTempDir(prefix: string, runAs: RunAs | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (runAs !== undefined) chownSync(dir, runAs.uid, runAs.gid);
  return dir;
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const spawnIdentity = (runAs: RunAs | undefined) => (runAs === undefined ? {} : { uid: runAs.uid, gid: runAs.gid });

/** The last lines of a program's output, for an error message. */
export function lastLines(text: string, count = 2): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-count)
    .join(" / ");
}

/**
 * Runs a program to its end within `timeoutMs`; resolves with its output, rejects with a ConfigError
 * naming `what`. The program runs in a process group of its own: on an abort or a timeout the whole
 * group is killed (initdb's bootstrap backend with it) and the promise settles only once the program
 * has exited, so that nothing is left writing into a directory the caller is about to remove.
 * (execFile's own `signal` settles as soon as the kill is sent, with the program still running.)
 */
export function runProgram(
  command: string,
  args: readonly string[],
  options: {
    readonly runAs?: RunAs | undefined;
    readonly env?: NodeJS.ProcessEnv;
    readonly timeoutMs: number;
    readonly what: string;
    readonly fix: string;
    readonly signal?: AbortSignal | undefined;
  },
): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    let stopped: "abort" | "timeout" | undefined;
    const child = spawn(command, [...args], {
      ...spawnIdentity(options.runAs),
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-64 * 1024);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const stop = (why: "abort" | "timeout") => {
      if (stopped !== undefined) return;
      stopped = why;
      killGroup(child, "SIGKILL");
    };
    const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
    const onAbort = () => stop("abort");
    if (options.signal?.aborted === true) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    const forget = onExit(() => killGroup(child, "SIGKILL"));
    let settled = false;
    const settle = (error: Error | undefined, code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      forget();
      if (stopped === "abort") return reject(options.signal?.reason);
      if (error === undefined && code === 0) return resolve(output);
      const why =
        stopped === "timeout"
          ? `it did not finish within ${options.timeoutMs / 1000} s`
          : error !== undefined
            ? error.message
            : lastLines(output) || (signal !== null ? `it was stopped by ${signal}` : `exit code ${code}`);
      reject(new ConfigError(`${options.what} failed: ${why}`, { fix: options.fix, ...(error === undefined ? {} : { cause: error }) }));
    };
    child.once("error", (error) => settle(error, null, null));
    // "close": the program has exited and its output is read to the end.
    child.once("close", (code, signal) => {
      // A killed group may hold a grandchild a moment longer; wait (bounded) until the group is gone.
      if (stopped === undefined) settle(undefined, code, signal);
      else void groupGone(child.pid).then(() => settle(undefined, code, signal));
    });
  });
}

/**
 * Resolves when no live process of `pid`'s group is left (bounded: 2 s). Read from /proc (Linux):
 * `kill(-pgid, 0)` also counts the group's zombies, which an init that does not reap keeps for good.
 */
async function groupGone(pid: number | undefined): Promise<void> {
  if (pid === undefined || !existsSync("/proc/self/stat")) return;
  for (let i = 0; i < 40 && liveInGroup(pid); i++) await delay(50);
}

function liveInGroup(pgid: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so read after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

/**
 * Removes a shadow's temporary directory. Retried: a program killed mid-run (initdb, on an abort)
 * may leave a child of its own writing there for a moment, and the removal then meets ENOTEMPTY.
 */
export function removeShadowDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
}

/** Version text of a program (`postgres --version`), or undefined when it cannot run (as `runAs`, when given). */
export function programVersion(command: string, args: readonly string[] = ["--version"], runAs?: RunAs): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, [...args], { ...spawnIdentity(runAs), timeout: 10_000 }, (error, stdout) => resolve(error === null ? stdout.trim() : undefined));
  });
}

/** Cleanups that must run if the process exits before close(): stop the server, remove the directory. */
const pending = new Set<() => void>();
let exitHookInstalled = false;

function onExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const run of pending) run();
    });
  }
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly runAs: RunAs | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** The server's own line that says it accepts connections. */
  readonly ready: RegExp;
  readonly timeoutMs: number;
  /** The server, for messages: `the embedded PostgreSQL 15 server`. */
  readonly what: string;
  readonly fix: string;
  /** The temporary directory removed after the server stops. */
  readonly dir: string;
  /** The signal that stops the server at once. */
  readonly stopSignal: NodeJS.Signals;
  /** Aborts the start (the server is stopped and its directory removed). */
  readonly abort?: AbortSignal | undefined;
}

export interface RunningServer {
  /** Stops the server (bounded) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
  readonly pid: number;
}

/**
 * Starts a server in a process group of its own (a Ctrl-C at the terminal reaches Stratum, which
 * then stops it) and waits for its ready line; a server that exits or stays silent fails with a
 * ConfigError carrying its last log lines, its directory removed.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const child = spawn(options.command, [...options.args], {
    ...spawnIdentity(options.runAs),
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exited = child.exitCode !== null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
    child.once("error", () => {
      exited = true;
      resolve();
    });
  });
  const removeDir = () => {
    try {
      removeShadowDir(options.dir);
    } catch {
      // best effort on the way out
    }
  };
  const forget = onExit(() => {
    if (!exited) killGroup(child, "SIGKILL");
    removeDir();
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exited) {
        killGroup(child, options.stopSignal);
        const stopped = await Promise.race([exitPromise.then(() => true), delay(15_000).then(() => false)]);
        if (!stopped) {
          killGroup(child, "SIGKILL");
          await Promise.race([exitPromise, delay(5_000)]);
        }
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      removeDir();
      forget();
    })());
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ConfigError(`${options.what} did not say it was ready within ${options.timeoutMs / 1000} s${tail(output)}`, { fix: options.fix }));
      }, options.timeoutMs);
      const watch = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-8000);
        if (options.ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", watch);
      child.stderr?.on("data", watch);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new ConfigError(`${options.what} could not be started: ${error.message}`, { fix: options.fix, cause: error }));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new ConfigError(`${options.what} stopped while starting (${signal ?? `exit code ${code}`})${tail(output)}`, { fix: options.fix }));
      });
      const aborted = () => {
        clearTimeout(timer);
        reject(options.abort?.reason);
      };
      if (options.abort?.aborted === true) aborted();
      options.abort?.addEventListener("abort", aborted, { once: true });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  // Output keeps being read (and dropped) so that a full pipe never blocks the server.
  return { stop, pid: child.pid ?? -1 };
}

const tail = (output: string) => {
  const lines = lastLines(output);
  return lines === "" ? "" : `: ${lines}`;
};

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** `shadow.url postgres://host/db ("shadow" in stratum.config.json)`, for messages (password masked). */
export function shadowUrlText(maskedUrl: string, origin: string | undefined): string {
  return `shadow.url ${maskedUrl}${origin === undefined ? "" : ` (${origin})`}`;
}
