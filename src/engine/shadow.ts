// A shadow database for an operation: made by the target dialect's module, migrated through a
// target of its own (Deps.targetAt), removed after (issue 13).

import type { ShadowInfo } from "../api-types.js";
import { ConfigError } from "../core/errors.js";
import { parseWithModule } from "../dialects/registry.js";
import type { ShadowDatabase } from "../dialects/shadow.js";
import type { ServerInfo } from "../core/types.js";
import { withConnection } from "./session.js";
import type { Engine, Target } from "./ports.js";

export interface OpenShadow {
  readonly database: ShadowDatabase;
  /** A target over the shadow: the same migrations, the same history table names. */
  readonly target: Target;
  readonly info: ShadowInfo;
  /**
   * Another shadow database beside this one, with a target over it (ShadowDatabase.another); it
   * is removed with this one, or before by its close(). Undefined where the dialect has none.
   */
  readonly another?: () => Promise<SecondShadow>;
}

export interface SecondShadow {
  readonly url: string;
  readonly target: Target;
  close(): Promise<void>;
}

/** Runs `work` on a new shadow database of the target's dialect; the shadow is removed after, whatever happens. */
export async function withShadow<T>(engine: Engine, work: (shadow: OpenShadow) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const { module } = parseWithModule(engine.policy.url);
  if (module.openShadow === undefined) {
    throw new ConfigError(`a shadow database cannot be made for ${engine.target.dialect.displayUrl}`, {
      fix: "Use a database kind Stratum can make a shadow of.",
    });
  }
  const server = await serverOf(engine);
  const database = await module.openShadow({
    targetUrl: engine.policy.url,
    server,
    url: engine.policy.shadowUrl,
    urlOrigin: engine.policy.shadowUrlOrigin,
    cwd: engine.policy.cwd,
    environment: engine.deps.environment,
    signal,
  });
  let target: Target | undefined;
  const seconds: SecondShadow[] = [];
  const another =
    database.another === undefined
      ? undefined
      : async (): Promise<SecondShadow> => {
          const made = await database.another!();
          let closing: Promise<void> | undefined;
          const second: SecondShadow = {
            url: made.url,
            target: await engine.deps.targetAt(made.url).catch(async (error: unknown) => {
              await made.close().catch(() => undefined);
              throw error;
            }),
            close: () =>
              (closing ??= (async () => {
                await second.target.dialect.dispose().catch(() => undefined);
                await made.close();
              })()),
          };
          seconds.push(second);
          return second;
        };
  try {
    target = await engine.deps.targetAt(database.url);
    const info = { description: database.description, startMs: database.startMs };
    return await work({ database, target, info, ...(another === undefined ? {} : { another }) });
  } finally {
    // removed side by side: each drop or stop waits on its server
    await Promise.all([
      ...seconds.map((second) => second.close().catch(() => undefined)),
      (async () => {
        await target?.dialect.dispose().catch(() => undefined);
        await database.close();
      })(),
    ]);
  }
}

/** The target server's version, or null when it cannot be reached (a shadow of the default version is made). */
async function serverOf(engine: Engine): Promise<ServerInfo | null> {
  try {
    return await withConnection(engine, (conn) => conn.serverInfo(), true);
  } catch {
    return null;
  }
}
