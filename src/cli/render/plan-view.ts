import type { LayoutUsed, PlanResult } from "../../index.js";
import type { Colors } from "../io.js";
import { plural } from "./format.js";
import { problemLines } from "./problems-view.js";
import { renderTable } from "./table.js";

/** `plan --json`: `{ "steps": [...], "warnings": [...] }`, with `layout` and `userVersion` when there are. */
export function planJson(plan: PlanResult): Pick<PlanResult, "steps" | "warnings" | "layout" | "userVersion"> {
  return {
    ...(plan.layout === undefined ? {} : { layout: { name: plan.layout.name, detected: plan.layout.detected } }),
    steps: plan.steps,
    warnings: plan.warnings,
    ...(plan.userVersion === undefined ? {} : { userVersion: plan.userVersion }),
  };
}

/** `layout: goose (detected)` / `(from format)`, as status says it; nothing for Stratum's own. */
export function layoutLines(layout: LayoutUsed | undefined): string[] {
  return layout === undefined ? [] : [`layout: ${layout.name} (${layout.detected ? "detected" : "from format"})`];
}

/** The `plan` table: step, version, name, reason, transaction; then the warnings. */
export function planLines(plan: PlanResult, direction: "up" | "down", colors: Colors): string[] {
  const lines: string[] = layoutLines(plan.layout);
  // up adopts from user_version (or refuses) before anything in the table
  if (plan.userVersion !== undefined) lines.push(plan.userVersion.refusal === null ? plan.userVersion.message : colors.red(plan.userVersion.message));
  if (lines.length > 0) lines.push("");
  if (plan.steps.length === 0) {
    lines.push(direction === "up" ? "nothing to apply: the database is up to date" : "nothing to roll back");
  } else {
    const verb = direction === "up" ? "apply" : "roll back";
    lines.push(`${verb} ${plural(plan.steps.length, "migration")}, in this order:`, "");
    lines.push(
      ...renderTable(
        [{ header: "STEP", align: "right" }, { header: "VERSION" }, { header: "NAME" }, { header: "REASON" }, { header: "TRANSACTION" }],
        plan.steps.map((step, i) => [
          String(i + 1),
          step.version,
          step.name,
          step.reason,
          step.transaction ? { text: "yes" } : { text: "no", style: colors.yellow },
        ]),
        colors,
      ),
    );
  }
  const notes = plan.steps.flatMap((step) => stepNotes(step, direction));
  if (notes.length > 0) lines.push("", ...notes);
  if (plan.warnings.length > 0) lines.push("", ...problemLines(plan.warnings, colors));
  return lines;
}

/** What the table does not say of a step: it runs outside a transaction on its own, or runs nothing. */
function stepNotes(step: PlanResult["steps"][number], direction: "up" | "down"): string[] {
  const id = `${step.version}_${step.name}`;
  const notes: string[] = [];
  if (step.outsideTransaction?.startsWith("automatic") === true) notes.push(`${id} runs outside a transaction (${step.outsideTransaction})`);
  if (step.statements === 0) notes.push(`${id} has no statements: nothing runs, it is recorded as ${direction === "up" ? "applied" : "rolled back"}`);
  return notes;
}
