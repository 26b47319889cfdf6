// `lint --measure` on MariaDB (shadow.url) and SQLite over their risky cases of the lint suite:
// the accepted ALGORITHM/LOCK of every ALTER, the rebuild check on SQLite (see lint-measure-cases.ts).

import { describe, it } from "vitest";
import { casesOf, checkCase, checkSafe, safeCasesOf } from "./lint-measure-cases.js";

describe.concurrent("lint --measure on MariaDB and SQLite", () => {
  it.concurrent.each(casesOf(["my", "lite"]))("#%i %s %s", async (_i, key, rule, lines) => {
    await checkCase(key, rule, lines);
  });
});

describe.concurrent("lint --measure on MariaDB and SQLite: safe look-alikes stay clean", () => {
  it.concurrent.each(safeCasesOf(["my", "lite"]))("#%i %s %s", async (_i, key, _label, lines) => {
    await checkSafe(key, lines);
  });
});
