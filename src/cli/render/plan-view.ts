import type { PlanResult } from "../../index.js";
import type { Colors } from "../io.js";
import { plural } from "./format.js";
import { problemLines } from "./problems-view.js";
import { renderTable } from "./table.js";

/** `plan --json`: `{ "steps": [...], "warnings": [...] }`. */
export function planJson(plan: PlanResult): { steps: PlanResult["steps"]; warnings: PlanResult["warnings"] } {
  return { steps: plan.steps, warnings: plan.warnings };
}

/** The `plan` table: step, version, name, reason, transaction; then the warnings. */
export function planLines(plan: PlanResult, direction: "up" | "down", colors: Colors): string[] {
  const lines: string[] = [];
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
  if (plan.warnings.length > 0) lines.push("", ...problemLines(plan.warnings, colors));
  return lines;
}
