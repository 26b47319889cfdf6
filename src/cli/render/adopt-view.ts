// `stratum adopt`: the mapping (their entry → our file → state), then what was done.

import type { AdoptResult } from "../../index.js";
import { plural } from "./format.js";

const STATE_TEXT = {
  recorded: "recorded as applied",
  "already-recorded": "already recorded",
  "would-record": "would be recorded as applied",
} as const;

export function adoptLines(result: AdoptResult): string[] {
  const lines: string[] = [];
  lines.push(`read ${result.read} (${result.source})`);
  for (const m of result.migrations) {
    lines.push(`  ${m.entry} → ${m.file} → ${STATE_TEXT[m.state]}${m.appliedAt === null ? "" : ` (applied ${m.appliedAt})`}`);
  }
  for (const entry of result.reverted) lines.push(`  ${entry} → reverted: not adopted`);
  for (const entry of result.repeatable ?? []) {
    lines.push(`  ${entry} → a repeatable migration: not adopted (Stratum keeps no repeatable migrations; what it created stays in the database)`);
  }
  if (result.pending.length > 0) lines.push(`still pending (not in ${result.source}'s history): ${result.pending.join(", ")}`);
  const counts = (state: string) => result.migrations.filter((m) => m.state === state).length;
  if (result.dryRun && counts("would-record") > 0) {
    lines.push(`dry run: nothing was changed; run the same command without --dry-run to record ${plural(counts("would-record"), "migration")}`);
  } else if (counts("recorded") > 0) {
    lines.push(`adopted ${plural(counts("recorded"), "migration")} from ${result.source}, recorded as applied without running them (logged as adopt; ${result.source}'s table was not changed)`);
  } else if (result.migrations.length > 0) {
    lines.push(`nothing to adopt: the history already records every migration ${result.source} applied${result.dryRun ? " (dry run)" : ""}`);
  } else {
    lines.push(`nothing to adopt: ${result.source}'s history records no applied migration${result.dryRun ? " (dry run)" : ""}`);
  }
  return lines;
}
