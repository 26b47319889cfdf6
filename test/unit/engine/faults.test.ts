import { describe, expect, it } from "vitest";
import { faultPointsFrom, faultPointsFromEnv, noFaults } from "../../../src/engine/faults.js";

describe("fault points", () => {
  it("are none without STRATUM_TEST_PAUSE", async () => {
    expect(faultPointsFromEnv({})).toBe(noFaults);
    expect(faultPointsFromEnv({ STRATUM_TEST_PAUSE: "" })).toBe(noFaults);
    expect(noFaults.wanted("002").size).toBe(0);
    await expect(noFaults.at("after-lock", null)).resolves.toBeUndefined();
  });

  it("pause where asked, for the version asked (as a number: 2 is 002), or for every version", async () => {
    const waited: string[] = [];
    const faults = faultPointsFrom("after-statement-2@2, before-commit, after-lock", async (point, version) => void waited.push(`${point} ${version ?? "-"}`));
    await faults.at("after-statement-2", "002");
    await faults.at("after-statement-2", "003");
    await faults.at("before-commit", "003");
    await faults.at("after-lock", null);
    await faults.at("after-begin", "002");
    expect(waited).toEqual(["after-statement-2 002", "before-commit 003", "after-lock -"]);
    expect([...faults.wanted("002")].sort()).toEqual(["after-lock", "after-statement-2", "before-commit"]);
    expect([...faults.wanted("003")].sort()).toEqual(["after-lock", "before-commit"]);
  });
});
