// `lint --measure` on PostgreSQL over every PostgreSQL risky case of the lint suite: lock modes
// and rewrite reported for the marked statement, agreeing with the rule (see lint-measure-cases.ts).

import { describe, it } from "vitest";
import { casesOf, checkCase } from "./lint-measure-cases.js";

describe.concurrent("lint --measure on PostgreSQL (shadow.url)", () => {
  it.concurrent.each(casesOf(["pg"]))("#%i %s %s", async (_i, key, rule, lines) => {
    await checkCase(key, rule, lines);
  });
});
