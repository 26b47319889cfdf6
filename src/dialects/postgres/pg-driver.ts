// Loading node-postgres lazily, so SQLite and MySQL users never load it.

import { ConnectionError } from "../../core/errors.js";

/** The `pg` module as its default export (`pg.Client`, `pg.Pool`, …). */
export type PgModule = (typeof import("pg"))["default"];

/** How the module is imported; tests pass another importer to model a missing driver. */
export type PgImporter = () => Promise<unknown>;

const importPg: PgImporter = () => import("pg");

let cached: Promise<PgModule> | undefined;

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * Imports with a `navigator` in place when the runtime has none (Node 20). While loading, pg asks
 * whether it runs on Cloudflare: without `navigator` it builds a `Response`, and that first use
 * loads Node's whole fetch implementation, about 25 ms of every PostgreSQL run's start.
 */
async function importWithNavigator(importer: PgImporter): Promise<unknown> {
  if ("navigator" in globalThis) return importer();
  Object.defineProperty(globalThis, "navigator", { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
  try {
    return await importer();
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator;
  }
}

async function load(importer: PgImporter): Promise<PgModule> {
  let mod: unknown;
  try {
    mod = await importWithNavigator(importer);
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new ConnectionError('the PostgreSQL driver "pg" is not installed; run `npm install pg`', {
        code: "DRIVER_MISSING",
        fix: "run `npm install pg`",
        cause: error,
      });
    }
    throw new ConnectionError(`the PostgreSQL driver "pg" could not be loaded: ${(error as Error).message}; reinstall it with \`npm install pg\``, {
      code: "DRIVER_MISSING",
      fix: "reinstall it with `npm install pg`",
      cause: error,
    });
  }
  const candidate = (mod as { default?: unknown }).default ?? mod;
  if (typeof (candidate as { Client?: unknown }).Client !== "function") {
    throw new ConnectionError('the module "pg" does not look like node-postgres (no Client class); reinstall it with `npm install pg`', {
      code: "DRIVER_MISSING",
      fix: "reinstall it with `npm install pg`",
    });
  }
  return candidate as PgModule;
}

/**
 * Imports `pg` once per process. A failure is not cached, so installing the driver and
 * retrying works without a restart. A custom `importer` bypasses the cache.
 */
export function loadPg(importer?: PgImporter): Promise<PgModule> {
  if (importer !== undefined) return load(importer);
  if (cached === undefined) {
    cached = load(importPg);
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
