// The planner names settings in the installed vocabulary's words. The other planner tests run
// under the CLI's (`--step 2`); these show what a library user reads: option keys.

import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { plan, validate } from "../../../src/core/planner.js";
import { optionVocabulary, useVocabulary } from "../../../src/core/vocabulary.js";
import { applied, migrations } from "./factories.js";

beforeAll(() => useVocabulary(optionVocabulary));

describe("the planner in the library's words", () => {
  it("the out-of-order fix names the allowOutOfOrder option", () => {
    const [p] = validate(migrations("001_a", "002_late", "003_c"), [applied("001_a"), applied("003_c")], {
      ordering: "linear",
      allowOutOfOrder: false,
    });
    expect(p?.fix).toBe("Rename it to a newer version, or pass the allowOutOfOrder option.");
  });

  it("a bad step names the step option", () => {
    let error: unknown;
    try {
      plan(migrations("001_a"), [], { direction: "up", step: 0 }, { ordering: "linear", allowOutOfOrder: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe("the step option must be a positive whole number, got 0.");
    expect((error as ConfigError).fix).toBe("Pass step: 1 or more.");
  });
});
