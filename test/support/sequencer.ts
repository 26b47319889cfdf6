// The order in which the test files start: the longest first, so that the last file to finish is a
// short one. With two workers, a two-minute file that starts last keeps the run going two minutes
// after the other worker is idle. Vitest orders by the durations of the previous run when it has
// them (node_modules/.vite), but a fresh clone (CI) has none and vitest falls back to file size,
// which says little about time (a 70-line file can spawn a fleet of 100 targets).
// test/support/durations.json holds seconds per file from a full run; update it with
// `node scripts/test-durations.mjs <vitest json report>` when files change much. A file it does not
// list yet starts before the listed ones, as vitest itself starts unknown files first.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const DURATIONS = JSON.parse(readFileSync(new URL("./durations.json", import.meta.url), "utf8")) as Record<string, number>;

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (spec: TestSpecification) => DURATIONS[relative(root, spec.moduleId).split("\\").join("/")] ?? Number.POSITIVE_INFINITY;
    const byVitest = await super.sort(files);
    const rank = new Map(byVitest.map((spec, i) => [spec, i]));
    return [...files].sort((a, b) => seconds(b) - seconds(a) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  }
}
