// Sqitch: `sqitch.plan` lists the changes in order (`name [deps] date planner <email> # note`,
// `@tag` lines, `%pragma` lines); each change has `deploy/<name>.sql` (the up),
// `revert/<name>.sql` (the down) and `verify/<name>.sql` (the verify). The directory is the
// project's top directory, the one holding `sqitch.plan`.
//
// - The version is the change's position among the plan's changes, 1-based and zero-padded to
//   four digits (`0001`): Sqitch plans only grow at the end, so the position of a deployed change
//   never moves, whereas the planned timestamps can repeat (changes added in one second). The
//   name is the change name.
// - Dependencies (`[users flipr:appschema users@v1.0]`) become `dependsOn` (the versions of those
//   changes); a dependency on another project is a problem; `!conflicts` are a warning (Stratum does
//   not check them).
// - A reworked change (a name planned twice, its old scripts `deploy/<name>@<tag>.sql`) is a
//   problem: not supported yet.
// - Sqitch runs scripts as they are, and its templates wrap each in its own `BEGIN;` … `COMMIT;`.
//   A script wholly inside one such pair runs in Stratum's transaction instead, the two lines read
//   as blank (line numbers kept), so a failure rolls the whole change back as under Sqitch. A
//   script with any other transaction control runs outside Stratum's transaction (`transaction` /
//   `downTransaction` false); others run in one as usual. psql meta-commands (`\set`) are a problem.
// - `sqitch.conf` at the top of the directory is honoured for `[core] top_dir` and `plan_file`:
//   the plan and the scripts are read from there (the directory may be the one holding
//   sqitch.conf, as where `sqitch` is run, or the top directory itself).
// - Detection: `sqitch.plan` at the top of the directory, or `sqitch.conf` and a `sqitch.plan`
//   below. Stratum's own directories never hold them.

import type { Problem } from "../../core/types.js";
import type { Layout, LayoutUnit, ListedFile, UnitScript } from "./layout.js";
import { UNSUPPORTED, linesOf, problemAt, textOf, unitName, wholeFile } from "./shared.js";

const PLAN = "sqitch.plan";
const CONF = "sqitch.conf";

/** Where the plan and the scripts are, relative to the directory (`scripts` is "" or ends in `/`). */
interface Top {
  readonly plan: string;
  readonly scripts: string;
}
const NAME = "[^\\s:@#\\\\\\[\\]]+";
const CHANGE = new RegExp(`^\\s*([+-]?)(${NAME})(?:\\s*\\[([^\\]]*)\\])?\\s+(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)\\s+(.*?)<([^>]*)>(.*)$`);
const TAG = /^\s*@(\S+)\s/;
const TX_CONTROL = /^\s*(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK)(?:\s+(?:WORK|TRANSACTION))?\s*;/im;
const OPENS = /^\s*(?:BEGIN|START\s+TRANSACTION)(?:\s+(?:WORK|TRANSACTION))?\s*;\s*(?:--.*)?$/i;
const COMMITS = /^\s*COMMIT(?:\s+(?:WORK|TRANSACTION))?\s*;\s*(?:--.*)?$/i;

interface Planned {
  readonly name: string;
  readonly line: number;
  readonly deps: readonly string[];
}

export const sqitchLayout: Layout = {
  name: "sqitch",
  detect: (paths) => paths.includes(PLAN) || (paths.includes(CONF) && paths.some((p) => p.endsWith(`/${PLAN}`))),
  wants: (path) => path === CONF || path === PLAN || path.endsWith(`/${PLAN}`) || /(?:^|\/)(?:deploy|revert|verify)\/.+\.sql$/.test(path),
  read(files) {
    const problems: Problem[] = [];
    const top = topOf(files.find((f) => f.path === CONF));
    const plan = files.find((f) => f.path === top.plan);
    if (plan === undefined) {
      const said = top.plan === PLAN ? "" : ` (where ${CONF} puts it)`;
      problems.push(problemAt("MISSING_FILE", `${top.plan}${said} is missing, so the Sqitch changes and their order are unknown.`, top.plan, null,
        "Point the migrations directory at the Sqitch project's top directory, the one holding sqitch.plan."));
      return { units: [], problems };
    }
    const { changes, project } = parsePlan(textOf(plan), top.plan, problems);
    const byPath = new Map(files.map((f) => [f.path, f]));
    const versions = new Map<string, string>();
    changes.forEach((c, i) => {
      if (!versions.has(c.name)) versions.set(c.name, String(i + 1).padStart(4, "0"));
    });
    const units: LayoutUnit[] = [];
    for (const change of changes) {
      if (versions.get(change.name) !== undefined && changes.find((c) => c.name === change.name) !== change) continue;
      const unit = unitOf(change, { versions, project, top }, byPath, problems);
      if (unit !== null) units.push(unit);
    }
    return { units, problems };
  },
};

/** `[core] top_dir` and `plan_file` of sqitch.conf (git-config syntax), as paths inside the directory. */
function topOf(conf: ListedFile | undefined): Top {
  let section = "";
  const core = new Map<string, string>();
  for (const raw of conf === undefined ? [] : linesOf(textOf(conf))) {
    const line = raw.trim();
    const header = /^\[\s*([^\]\s"]+)/.exec(line);
    if (header) section = (header[1] ?? "").toLowerCase();
    const pair = /^([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (section === "core" && pair) core.set((pair[1] ?? "").toLowerCase(), (pair[2] ?? "").replace(/^"(.*)"$/, "$1"));
  }
  const inside = (path: string): string => path.replace(/\\/g, "/").replace(/^(?:\.\/)+/, "").replace(/\/+$/, "").replace(/^\.$/, "");
  const dir = inside(core.get("top_dir") ?? "");
  const scripts = dir === "" || dir.startsWith("../") || dir.startsWith("/") ? "" : `${dir}/`;
  const planFile = core.get("plan_file");
  return { plan: planFile !== undefined && !planFile.startsWith("/") ? inside(planFile) : `${scripts}${PLAN}`, scripts };
}

function parsePlan(text: string, plan: string, problems: Problem[]): { changes: Planned[]; project: string | null } {
  const changes: Planned[] = [];
  let project: string | null = null;
  linesOf(text).forEach((raw, index) => {
    const line = index + 1;
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) return;
    if (t.startsWith("%")) {
      const pragma = /^%\s*project\s*=\s*(\S+)/.exec(t);
      if (pragma) project = pragma[1] ?? null;
      return;
    }
    if (TAG.test(raw)) return;
    const match = CHANGE.exec(raw);
    if (!match) {
      problems.push(problemAt("BAD_SECTION", `${plan}:${line} is not a Sqitch plan line (change [dependencies] date planner <email> # note).`,
        plan, line, "Fix the line as `sqitch add` writes it, or restore sqitch.plan from version control."));
      return;
    }
    const [, operator, name = "", deps = ""] = match;
    if (operator === "-") {
      problems.push(problemAt(UNSUPPORTED, `${plan}:${line} plans a revert of ${name} ("-${name}"), which Stratum does not support.`,
        plan, line, "Remove the line, or use a plan without revert operators (the `sqitch rework` way)."));
      return;
    }
    const earlier = changes.find((c) => c.name === name);
    if (earlier !== undefined) {
      problems.push(problemAt(UNSUPPORTED, `change ${name} is reworked (${plan}:${earlier.line} and ${plan}:${line}), and reworked Sqitch changes are not supported yet.`,
        plan, line, `Plan the new version of ${name} as a new change with its own name (sqitch add), keeping the old scripts as they are.`));
    }
    changes.push({ name, line, deps: deps.trim() === "" ? [] : deps.trim().split(/\s+/) });
  });
  return { changes, project };
}

interface PlanContext {
  readonly versions: ReadonlyMap<string, string>;
  readonly project: string | null;
  readonly top: Top;
}

function unitOf(change: Planned, context: PlanContext, byPath: ReadonlyMap<string, ListedFile>, problems: Problem[]): LayoutUnit | null {
  const { versions, project, top } = context;
  const { plan } = top;
  const deployPath = `${top.scripts}deploy/${change.name}.sql`;
  const deploy = byPath.get(deployPath);
  if (deploy === undefined) {
    problems.push(problemAt("MISSING_FILE", `change ${change.name} (${plan}:${change.line}) has no ${deployPath}.`, plan, change.line,
      `Restore ${deployPath}, or remove the change from ${plan} if it was never deployed.`));
    return null;
  }
  const revert = byPath.get(`${top.scripts}revert/${change.name}.sql`);
  const verify = byPath.get(`${top.scripts}verify/${change.name}.sql`);
  const scripts = [deploy, revert, verify].filter((f): f is ListedFile => f !== undefined);
  for (const file of scripts) metaCommands(file, problems);
  const up = unwrapped(wholeFile(deploy.path, textOf(deploy)));
  const down = revert === undefined ? null : unwrapped(wholeFile(revert.path, textOf(revert)));
  const dependsOn = dependencies(change, versions, project, plan, problems);
  return {
    version: versions.get(change.name) ?? "",
    name: unitName(change.name),
    files: scripts.map((f) => f.path),
    up,
    down,
    // Sqitch's verify passes unless it raises an error (`SELECT … WHERE FALSE` returns no rows and
    // passes), and it usually wraps itself in BEGIN/ROLLBACK, which inside the change's own
    // transaction would undo the change. Stratum's verify needs a truthy row, so the script is not
    // run as one; it stays in the checksum, and `sqitch verify` still runs it.
    verify: null,
    ...(down === null ? { downHint: `${top.scripts}revert/${change.name}.sql` } : {}),
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    ...(managesTransaction(up) ? { transaction: false } : {}),
    ...(down !== null && managesTransaction(down) ? { downTransaction: false } : {}),
  };
}

/**
 * The script with Sqitch's template wrapper read as blank lines, when its only transaction control
 * is one `BEGIN;` line before all its SQL and one `COMMIT;` line after it; otherwise as it is.
 */
function unwrapped(script: UnitScript): UnitScript {
  const lines = script.text.split("\n");
  const control = lines.flatMap((line, i) => (new RegExp(TX_CONTROL.source, "i").test(line) ? [i] : []));
  const [open, close] = control;
  if (control.length !== 2 || open === undefined || close === undefined) return script;
  if (!OPENS.test(lines[open] ?? "") || !COMMITS.test(lines[close] ?? "")) return script;
  const outside = [...lines.slice(0, open), ...lines.slice(close + 1)];
  if (outside.some((line) => line.trim() !== "" && !line.trim().startsWith("--"))) return script;
  lines[open] = "";
  lines[close] = "";
  return { ...script, text: lines.join("\n") };
}

function managesTransaction(script: UnitScript): boolean {
  return TX_CONTROL.test(script.text);
}

function dependencies(change: Planned, versions: ReadonlyMap<string, string>, project: string | null, plan: string, problems: Problem[]): string[] {
  const out: string[] = [];
  for (const dep of change.deps) {
    const where = `${plan}:${change.line}`;
    if (dep.startsWith("!")) {
      problems.push(problemAt(UNSUPPORTED, `change ${change.name} declares a conflict with ${dep.slice(1)} at ${where}, which Stratum does not check.`,
        plan, change.line, "Nothing to do if the conflict no longer matters; otherwise check it by hand before running.", "warning"));
      continue;
    }
    const match = /^(?:([^:]+):)?([^@:]+)(?:@\S+)?$/.exec(dep);
    const other = match?.[1];
    const name = match?.[2] ?? dep;
    if (other !== undefined && other !== project) {
      problems.push(problemAt(UNSUPPORTED, `change ${change.name} requires ${dep} from another Sqitch project at ${where}, which Stratum cannot follow.`,
        plan, change.line, `Deploy project ${other} first and remove the dependency, or move the change it needs into this project.`));
      continue;
    }
    const version = versions.get(name);
    if (version === undefined) {
      problems.push(problemAt("UNKNOWN_DEPENDENCY", `change ${change.name} requires ${dep} at ${where}, but ${plan} plans no change ${name}.`,
        plan, change.line, `Add change ${name} to ${plan} or remove the dependency.`));
      continue;
    }
    out.push(version);
  }
  return out;
}

function metaCommands(file: ListedFile, problems: Problem[]): void {
  linesOf(textOf(file)).forEach((line, index) => {
    if (!line.startsWith("\\")) return;
    problems.push(problemAt(UNSUPPORTED, `${file.path}:${index + 1} is a psql meta-command (${line.trim().split(/\s+/)[0] ?? ""}), which only psql runs.`,
      file.path, index + 1, "Replace it with plain SQL, or remove it."));
  });
}
