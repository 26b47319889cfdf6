// How the MySQL dialect opens sessions: its own mysql2 connection (mysql2 loaded on the first),
// one from the user's pool, or the user's own connection.

import type { ConnectionOptions } from "mysql2";
import type * as MysqlPromise from "mysql2/promise";
import { ConnectionError, StratumError } from "../../core/errors.js";
import type { Connection } from "../dialect.js";
import type { Adopted } from "./mysql-dialect.js";
import { MysqlConnection, type RawConnection, type SessionContext } from "./mysql-connection.js";
import { connectError, type Endpoint } from "./mysql-errors.js";

type Driver = Pick<typeof MysqlPromise, "createConnection">;


let driver: Driver | undefined;

async function loadDriver(): Promise<Driver> {
  if (driver) return driver;
  try {
    const module = (await import("mysql2/promise")) as Partial<Driver> & { default?: Partial<Driver> };
    const createConnection = module.createConnection ?? module.default?.createConnection;
    if (typeof createConnection !== "function") throw new TypeError("mysql2/promise has no createConnection");
    driver = { createConnection };
    return driver;
  } catch (error) {
    throw new ConnectionError('the MySQL driver "mysql2" is not installed or failed to load', {
      code: "DRIVER_MISSING",
      fix: "run `npm install mysql2`",
      cause: error,
    });
  }
}

export interface SessionSettings {
  readonly connection: ConnectionOptions;
  readonly adopted: Adopted;
  readonly connectTimeoutMs: number;
  readonly endpoint: Endpoint;
  readonly displayUrl: string;
}

export class MysqlSessions {
  readonly #settings: SessionSettings;
  readonly #open = new Set<MysqlConnection>();
  readonly #context: SessionContext;

  constructor(settings: SessionSettings) {
    this.#settings = settings;
    this.#context = { displayUrl: settings.displayUrl, onClose: (connection) => this.#open.delete(connection) };
  }

  async connect(): Promise<Connection> {
    const { adopted, endpoint } = this.#settings;
    if (adopted.kind === "single") return this.#wrap(adopted.connection, "shared");
    if (adopted.kind === "pool") {
      let raw: RawConnection;
      try {
        raw = await adopted.getConnection();
      } catch (error) {
        throw connectError(error, endpoint);
      }
      return this.#wrap(raw, "pooled");
    }
    return this.#wrap(await this.#openOwn(), "owned");
  }

  /** Closes every session still open: ours end, pooled ones go back to the user's pool. */
  async dispose(): Promise<void> {
    await Promise.all([...this.#open].map((connection) => connection.close()));
    this.#open.clear();
  }

  async #openOwn(): Promise<RawConnection> {
    const { connection, connectTimeoutMs, endpoint } = this.#settings;
    const { createConnection } = await loadDriver();
    try {
      return (await createConnection({
        // mysql2 captures a stack trace for every query by default, for errors Stratum restates
        // with file:line anyway: about 70 ms of `down --all` over 1,000 (issue 16)
        trace: false,
        ...connection,
        multipleStatements: false,
        dateStrings: true,
        supportBigNumbers: true,
        timezone: "Z",
        charset: connection.charset ?? "UTF8MB4_UNICODE_CI",
        connectTimeout: connectTimeoutMs,
      })) as unknown as RawConnection;
    } catch (error) {
      if (error instanceof StratumError) throw error;
      throw connectError(error, endpoint);
    }
  }

  async #wrap(raw: RawConnection, kind: "owned" | "pooled" | "shared"): Promise<MysqlConnection> {
    try {
      const connection = await MysqlConnection.open(raw, kind, this.#context);
      this.#open.add(connection);
      return connection;
    } catch (error) {
      if (kind === "owned") raw.destroy();
      else if (kind === "pooled") raw.release?.();
      throw connectError(error, this.#settings.endpoint);
    }
  }
}
