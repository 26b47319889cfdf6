import { EXIT } from "../../basics.js";
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from "../render/graph-render.js";
import { usageError, type RawOptions } from "../options.js";
import { interruptible, printJson, printLines, withMigrator, type CommandContext } from "./command-context.js";

/** `--format text|mermaid|dot` (default text). */
export function parseGraphFormat(value: unknown): GraphFormat {
  if (value === undefined) return "text";
  const format = GRAPH_FORMATS.find((f) => f === value);
  if (format === undefined) {
    throw usageError(`--format expects ${GRAPH_FORMATS.join(", ")}, got "${String(value)}"`);
  }
  return format;
}

/**
 * `stratum graph [--format text|mermaid|dot]`: the dependency graph with applied, pending and
 * conflicting migrations marked; `--json` prints the GraphReport. Informational: exits 0 even when
 * it shows conflicts (`stratum validate --strict` is the gate that fails on them).
 */
export async function graphCommand(ctx: CommandContext, options: RawOptions): Promise<number> {
  const format = parseGraphFormat(options["format"]);
  return withMigrator(ctx, {}, async (migrator) => {
    const report = await interruptible(migrator.graph(), ctx.signal);
    if (ctx.globals.json) printJson(ctx, report);
    else printLines(ctx, renderGraph(report, format).replace(/\n$/, "").split("\n"));
    return EXIT.ok;
  }, false);
}
