// `stratum verify`: on a shadow database, each migration's up → down → up must give back the
// schema it started from (issue 13).

import type { VerifyOptions, VerifyReport } from "../api-types.js";
import type { Engine } from "./ports.js";

export async function verify(engine: Engine, options: VerifyOptions = {}): Promise<VerifyReport> {
  void engine;
  void options;
  throw new Error("verify: not yet built");
}
