import { it } from "vitest";
import { plan } from "../../src/core/planner.js";
import { statusOf } from "../../src/core/status.js";
import { applied, many } from "./planner/factories.js";
it("bench", () => {
  const all = many(5000, (i) => (i === 1 ? [] : [String(i - 1)]));
  const rows = all.map((m) => applied(m.id));
  for (const ordering of ["linear", "graph"] as const) {
    for (let w = 0; w < 5; w++) plan(all, rows, { direction: "up" }, { ordering, allowOutOfOrder: false });
    const t = performance.now();
    for (let k = 0; k < 20; k++) plan(all, rows, { direction: "up" }, { ordering, allowOutOfOrder: false });
    console.log(ordering, "no-op up ms/run", ((performance.now() - t) / 20).toFixed(2));
  }
  const t = performance.now();
  for (let k = 0; k < 20; k++) statusOf(all, rows);
  console.log("status ms/run", ((performance.now() - t) / 20).toFixed(2));
});
