// A shadow database: a scratch database of the target's dialect that `verify` and `drift --replay`
// migrate and inspect, created for the operation and removed after it (issue 13). Each dialect
// module says how it makes one (DialectModule.openShadow); the engine only asks for one.

import type { ServerInfo } from "../core/types.js";

export interface ShadowRequest {
  /** The target's URL (its password unmasked): the shadow is of the same dialect and, where it matters, version. */
  readonly targetUrl: string;
  /** The target server's version, when the target was reachable (a shadow server of the same major version is started). */
  readonly server: ServerInfo | null;
  /** `shadow.url` from the config: a server where a scratch database may be created and dropped. */
  readonly url?: string | undefined;
  /** Where `shadow.url` came from, for messages (`"shadow.url" in stratum.config.json`). */
  readonly urlOrigin?: string | undefined;
  readonly cwd: string;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal | undefined;
}

export interface ShadowDatabase {
  /** A URL of the scratch database, that createDialect connects to. */
  readonly url: string;
  /** What it is, for reports: `SQLite in memory`, `embedded PostgreSQL 15.8 on 127.0.0.1:41234`, `database stratum_shadow_ab12 on postgres://localhost`. */
  readonly description: string;
  /** How long creating or starting it took. */
  readonly startMs: number;
  /** Drops the database or stops the server and removes its files. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Another scratch database beside this one (on the same server), for work split across
   * connections: verify's partitions. Closed by its own close(), before this one's. Absent where
   * a second one would share the first one's single connection (SQLite).
   */
  another?(): Promise<ShadowDatabase>;
}
