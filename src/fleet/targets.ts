// Resolving a fleet: the config's `targets` (a list, a file, a control-database query) into
// FleetTargets, and a selection (`--target`, `--all-targets`) into the ones a command runs on.

import type { ResolvedConfig } from "../config/types.js";
import type { FleetTarget, TargetSelection } from "./types.js";

/**
 * The targets a command runs on, in the config's order.
 * (Contract: the list form only; the file and query forms and glob selection follow.)
 */
export async function resolveTargets(config: ResolvedConfig, selection: TargetSelection): Promise<FleetTarget[]> {
  const setting = config.targets;
  if (setting === undefined || !Array.isArray(setting)) throw new Error("targets: only the list form is resolved yet");
  const all = (setting as readonly { name: string; url?: string; schema?: string }[]).map((entry) => ({
    name: entry.name,
    url: entry.url ?? config.url,
    ...(entry.schema === undefined ? {} : { schema: entry.schema }),
  }));
  return selection.all ? all : all.filter((target) => selection.patterns.includes(target.name));
}

/** The fleet's configuration with one target's URL and schema. */
export function configForTarget(config: ResolvedConfig, target: FleetTarget): ResolvedConfig {
  return { ...config, url: target.url, schema: target.schema ?? config.schema };
}
