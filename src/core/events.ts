import type { DialectName } from "./types.js";

export type Direction = "up" | "down";

/** What happens during a run, as data. Renderers and `--json` are subscribers. */
export type MigratorEvent =
  | {
      readonly type: "run:start";
      readonly direction: Direction;
      readonly planned: number;
      readonly dialect: DialectName;
      readonly database: string;
      readonly dryRun: boolean | "rehearse";
      readonly parallel: number;
    }
  | { readonly type: "lock:wait"; readonly holder: string | null; readonly waitedMs: number }
  | {
      readonly type: "lock:acquired";
      readonly waitedMs: number;
      /** Which run lock was taken (`session`: the server's own; `lease`: a row with expiry) and why. */
      readonly lock?: { readonly kind: "lease" | "session"; readonly reason: string };
    }
  | {
      readonly type: "migration:start";
      readonly direction: Direction;
      readonly version: string;
      readonly name: string;
      readonly file: string;
      readonly index: number;
      readonly total: number;
      readonly worker: number;
      /**
       * Present when it runs outside a transaction where it would otherwise run in one: why, as
       * `stratum:transaction off` or `automatic: CREATE INDEX CONCURRENTLY at 003_x.sql:4`.
       */
      readonly outsideTransaction?: string;
    }
  | {
      readonly type: "statement";
      readonly version: string;
      readonly index: number;
      readonly count: number;
      readonly location: string;
      readonly sql: string;
      readonly dryRun: boolean;
    }
  | {
      readonly type: "progress";
      readonly version: string;
      readonly done: number;
      readonly total: number | null;
      readonly etaMs: number | null;
      readonly message?: string;
    }
  | {
      readonly type: "migration:end";
      readonly direction: Direction;
      readonly version: string;
      readonly name: string;
      readonly durationMs: number;
      readonly worker: number;
    }
  | {
      readonly type: "migration:error";
      readonly direction: Direction;
      readonly version: string;
      readonly name: string;
      readonly durationMs: number;
      readonly worker: number;
      /** It ran outside a transaction and what it did stays: its state row is `failed` until `stratum resolve`. */
      readonly dirty: boolean;
      readonly error: { readonly code: string; readonly message: string; readonly location: string | null };
    }
  | {
      readonly type: "log";
      readonly level: "info" | "warn";
      readonly version: string | null;
      readonly message: string;
    }
  | {
      readonly type: "run:end";
      readonly direction: Direction;
      readonly ok: boolean;
      readonly applied: number;
      readonly failed: number;
      readonly remaining: number;
      readonly durationMs: number;
      readonly dryRun: boolean | "rehearse";
      readonly backup: string | null;
      /** The signal that stopped the run before its end (`SIGINT`, `SIGTERM`), or null. */
      readonly interrupted: string | null;
    };

export type EventType = MigratorEvent["type"];
export type EventOf<T extends EventType> = Extract<MigratorEvent, { type: T }>;
export type Listener = (event: MigratorEvent) => void;

/** A tiny synchronous event bus. A listener that throws is reported once, never breaks a run. */
export class EventBus {
  readonly #listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: MigratorEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // observers must not change the outcome of a run
      }
    }
  }
}
