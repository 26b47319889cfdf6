import { it } from "vitest";
import { plan } from "../../src/core/planner.js";
import { statusOf } from "../../src/core/status.js";
import { applied, many } from "./planner/factories.js";
const min = (f: () => void, n = 40): string => {
  let best = Infinity;
  for (let k = 0; k < n; k++) { const t = performance.now(); f(); best = Math.min(best, performance.now() - t); }
  return best.toFixed(2);
};
it("bench", () => {
  const all = many(5000, (i) => (i === 1 ? [] : [String(i - 1)]));
  const rows = all.map((m) => applied(m.id));
  for (const ordering of ["linear", "graph"] as const) {
    for (let w = 0; w < 5; w++) plan(all, rows, { direction: "up" }, { ordering, allowOutOfOrder: false });
    console.log(ordering, "no-op up min ms", min(() => plan(all, rows, { direction: "up" }, { ordering, allowOutOfOrder: false })));
  }
  for (const ordering of ["linear", "graph"] as const) {
    console.log(ordering, "down --all min ms", min(() => plan(all, rows, { direction: "down", all: true }, { ordering, allowOutOfOrder: false }), 15));
    console.log(ordering, "down --to 1 min ms", min(() => plan(all, rows, { direction: "down", to: "1" }, { ordering, allowOutOfOrder: false }), 15));
  }
  const changed = all.map((m) => ({ ...m, checksum: "x" }));
  console.log("problems min ms", min(() => plan(changed, rows, { direction: "up" }, { ordering: "linear", allowOutOfOrder: false }), 15));
  console.log("status min ms", min(() => statusOf(all, rows)));
});
