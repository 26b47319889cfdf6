// `lint --measure` on PostgreSQL over the lint suite's safe look-alikes: each runs on the seeded
// shadow and the measurement finds nothing the rules did not (no measured-* finding, nothing dropped).

import { describe, it } from "vitest";
import { checkSafe, safeCasesOf } from "./lint-measure-cases.js";

describe.concurrent("lint --measure on PostgreSQL: safe look-alikes stay clean", () => {
  it.concurrent.each(safeCasesOf(["pg"]))("#%i %s %s", async (_i, key, _label, lines) => {
    await checkSafe(key, lines);
  });
});
