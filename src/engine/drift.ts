// Drift: the schema recorded after each run, compared with the live one (issue 13).

import type { DriftOptions, DriftReport, UpOptions } from "../api-types.js";
import type { Connection } from "../dialects/dialect.js";
import type { Engine } from "./ports.js";

export async function drift(engine: Engine, options: DriftOptions = {}): Promise<DriftReport> {
  void engine;
  void options;
  throw new Error("drift: not yet built");
}

/** Records the live schema's snapshot with the history, after a run that changed it (under the run's lock). */
export async function recordSchemaSnapshot(engine: Engine, conn: Connection): Promise<void> {
  void engine;
  void conn;
}

/** Before `up` runs anything: warns of drift (or refuses, `--strict` / `driftCheck: "error"`). */
export async function checkDriftBeforeUp(engine: Engine, options: UpOptions): Promise<void> {
  void engine;
  void options;
}
