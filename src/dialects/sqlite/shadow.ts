// SQLite's shadow: a new database file in a temporary directory, removed after. (A `:memory:`
// database would be one database per connection, and a run opens more than one.)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ShadowDatabase, ShadowRequest } from "../shadow.js";

export async function openSqliteShadow(request: ShadowRequest): Promise<ShadowDatabase> {
  void request;
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "stratum-shadow-"));
  let closed = false;
  return {
    url: `sqlite:${join(dir, "shadow.db")}`,
    description: "SQLite, a temporary file",
    startMs: Math.round(performance.now() - started),
    async close() {
      if (closed) return;
      closed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
