// The planner: (discovered migrations, history, request, policy) → plan | problems.
// Pure, synchronous, no I/O: everything it needs is passed in, everything it finds is returned,
// every problem at once. The executor and the CLI decide what to do with the result.

import { ConfigError } from "./errors.js";
import { buildGraph, mainFile, orderGraph, predecessors, reachable } from "./graph.js";
import type { DependencyGraph } from "./graph.js";
import { integrityProblems, isPending, mergeHistory, rowId, unusableVersions } from "./status.js";
import type { MergedMigration } from "./status.js";
import type {
  AppliedMigration,
  MigrationFile,
  Plan,
  PlanPolicy,
  PlanRequest,
  PlanStep,
  Problem,
} from "./types.js";
import { compareMigrations, compareVersions, indexByVersion, isVersion, versionGroups, versionKey } from "./version.js";
import { option } from "./vocabulary.js";

export type PlannerPolicy = PlanPolicy & {
  /** Problems found while reading the directory (malformed names, bad directives, …), passed through. */
  readonly discoveryProblems?: readonly Problem[];
};

type DownRequest = Extract<PlanRequest, { direction: "down" }>;
type UpRequest = Extract<PlanRequest, { direction: "up" }>;

/** What the planner knows after reading the inputs once. */
interface Analysis {
  readonly ordering: PlanPolicy["ordering"];
  /** Files and rows merged by version, files replaced by their effective form (see `effectiveMigration`). */
  readonly merged: readonly MergedMigration[];
  /** The dependency graph of every migration on disk. */
  readonly graph: DependencyGraph;
  /** The run order of every migration on disk (linear: by version; graph: topological). */
  readonly order: readonly MigrationFile[];
  /** Problems that stop any run: discovery, dependencies, integrity (changed, missing, dirty). */
  readonly problems: readonly Problem[];
  /** OUT_OF_ORDER problems: they stop `up` (and `validate`), not `down`. */
  readonly outOfOrder: readonly Problem[];
  /** Pending migrations that run out of order because the policy allows it. */
  readonly allowedOutOfOrder: ReadonlySet<MigrationFile>;
  /** The highest applied version, `null` when nothing is applied. */
  readonly head: AppliedMigration | null;
}

// ------------------------------------------------------------------------------------------------
// Validation

/**
 * A code migration's dependencies are only known once it is loaded, and `status`/`plan` must not
 * import unchanged code (SPEC §1). The state row keeps the dependencies the migration had when it
 * was applied; while the checksum is unchanged they are still its dependencies, so the planner adds
 * them. (SQL files are parsed on discovery: their own header is authoritative.)
 */
function effectiveMigration(file: MigrationFile, row: AppliedMigration | null): MigrationFile {
  if (file.kind !== "code" || row === null || row.checksum !== file.checksum || row.dependsOn.length === 0) return file;
  const own = new Set(file.options.dependsOn.map(versionKey));
  const extra = row.dependsOn.filter((ref) => !own.has(versionKey(ref)));
  if (extra.length === 0) return file;
  return { ...file, options: { ...file.options, dependsOn: [...file.options.dependsOn, ...extra] } };
}

function duplicateVersions(files: readonly MigrationFile[], discovery: readonly Problem[]): Problem[] {
  const reported = new Set<string>();
  for (const p of discovery) {
    if (p.code !== "DUPLICATE_VERSION") continue;
    for (const f of p.files) reported.add(f.replace(/:\d+$/, ""));
    for (const v of p.versions ?? []) reported.add(`v:${versionKey(v)}`);
  }
  const groups = versionGroups(files);
  if (groups === null) return [];
  const problems: Problem[] = [];
  for (const list of groups) {
    const key = versionKey((list[0] as MigrationFile).version);
    const names = list.map(mainFile);
    if (reported.has(`v:${key}`) || names.some((f) => reported.has(f))) continue;
    problems.push({
      code: "DUPLICATE_VERSION",
      message: `Version ${list[0]?.version ?? key} is used by ${list.length} migrations: ${list.map((m) => m.id).join(", ")}.`,
      files: names,
      fix: "Give each migration its own version, e.g. with `stratum create`.",
      severity: "error",
      versions: list.map((m) => m.version),
    });
  }
  return problems;
}

function analyse(
  migrations: readonly MigrationFile[],
  history: readonly AppliedMigration[],
  policy: PlannerPolicy,
): Analysis {
  const discovery = policy.discoveryProblems ?? [];
  const merged = mergeHistory(migrations, history, unusableVersions(discovery)).map((e) => {
    if (e.file === null) return e;
    const file = effectiveMigration(e.file, e.row);
    return file === e.file ? e : { ...e, file };
  });
  const files = merged.flatMap((e) => (e.file === null ? [] : [e.file]));
  const graph = buildGraph(files, policy.ordering);
  const { order, problems: graphProblems } = orderGraph(graph, policy.ordering);

  const integrity = merged.flatMap(integrityProblems);

  let head: AppliedMigration | null = null;
  for (const { row } of merged) {
    if (row?.state === "applied" && (head === null || compareVersions(row.version, head.version) > 0)) head = row;
  }

  // Out of order.
  // linear: each migration follows the previous version, so a pending migration older than the
  //   newest applied one would run after migrations that were written (and tested) without it —
  //   Flyway's `outOfOrder` rule. An error unless the policy allows it.
  // graph: versions only break ties; the order that matters is the dependency order. Applying an
  //   old pending migration now is sound as long as nothing applied depends on it: its own pending
  //   dependencies are planned before it, and everything applied ran without needing it. What is
  //   wrong is the reverse — an applied migration that depends on a pending one, i.e. the database
  //   ran a migration before its declared dependency. That is reported (unless allowed), naming both.
  const outOfOrder: Problem[] = [];
  const allowed = new Set<MigrationFile>();
  const pending = new Set(merged.filter(isPending).map((e) => e.file as MigrationFile));
  if (policy.ordering === "linear") {
    if (head !== null) {
      const top = head;
      for (const m of pending) {
        if (compareVersions(m.version, top.version) >= 0) continue;
        if (policy.allowOutOfOrder) {
          allowed.add(m);
          continue;
        }
        outOfOrder.push({
          code: "OUT_OF_ORDER",
          message: `${m.id} is pending but ${rowId(top)} is already applied, so it would run out of order.`,
          files: [mainFile(m)],
          fix: `Rename it to a newer version, or pass ${option("allowOutOfOrder")}.`,
          severity: "error",
          versions: [m.version],
        });
      }
    }
  } else {
    for (const { file, row } of merged) {
      if (file === null || row?.state !== "applied") continue;
      const missing = (graph.dependencies.get(file) ?? []).filter((dep) => pending.has(dep));
      for (const dep of missing) {
        if (policy.allowOutOfOrder) {
          allowed.add(dep);
          continue;
        }
        outOfOrder.push({
          code: "OUT_OF_ORDER",
          message: `${dep.id} is pending but ${file.id}, which depends on it, is already applied.`,
          files: [mainFile(dep), mainFile(file)],
          fix: `Pass ${option("allowOutOfOrder")} to apply ${dep.id} now, or correct the dependencies of ${file.id}.`,
          severity: "error",
          versions: [dep.version, file.version],
        });
      }
    }
  }

  const problems = dedupe([...discovery, ...duplicateVersions(files, discovery), ...graphProblems, ...integrity]);
  return { ordering: policy.ordering, merged, graph, order, problems, outOfOrder, allowedOutOfOrder: allowed, head };
}

function problemKey(p: Problem): string {
  // problems naming neither files nor versions (a corrupt state row) differ by their message
  const detail = p.files.length === 0 && (p.versions ?? []).length === 0 ? `|${p.message}` : "";
  return `${p.code}|${(p.versions ?? []).map(versionKey).join(",")}|${p.files.join(",")}${detail}`;
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const p of problems) {
    const key = problemKey(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/**
 * Every problem with the migrations and the history, at once: discovery problems passed through,
 * duplicate versions, unknown/self/forward dependencies and cycles, checksum mismatches, applied
 * migrations missing on disk, dirty rows (`running`/`failed`) and out-of-order pending migrations.
 */
export function validate(
  migrations: readonly MigrationFile[],
  history: readonly AppliedMigration[],
  policy: PlannerPolicy,
): Problem[] {
  const a = analyse(migrations, history, policy);
  return dedupe([...a.problems, ...a.outOfOrder]);
}

// ------------------------------------------------------------------------------------------------
// Requests

function usage(message: string, fix: string): never {
  throw new ConfigError(message, { code: "USAGE", fix });
}

function checkStep(step: number | undefined): void {
  if (step !== undefined && (!Number.isInteger(step) || step < 1)) {
    usage(`${option("step")} must be a positive whole number, got ${String(step)}.`, `Pass ${option("step", 1)} or more.`);
  }
}

/**
 * A requested version that names no migration, or (`notApplied`) one that is not applied. `by`
 * says how it was requested: as the `to` target or as one of the versions to roll back.
 */
function unknownVersion(by: "to" | "version", ref: string, notApplied: MigrationFile | null): Problem {
  const requested = by === "to" ? option("to", ref) : `version ${ref}`;
  if (notApplied === null) {
    return {
      code: "UNKNOWN_VERSION",
      message: `${requested} matches no migration.`,
      files: [],
      fix: "Run `stratum status` to see the versions and pass one of them.",
      severity: "error",
      versions: [ref],
    };
  }
  const why = by === "to" ? "so the database cannot be rolled back to it" : "so it cannot be rolled back";
  return {
    code: "UNKNOWN_VERSION",
    message: `${requested}: ${notApplied.id} is not applied, ${why}.`,
    files: [mainFile(notApplied)],
    fix: `Pass an applied version (see \`stratum status\`), or ${option("to", "0")} to roll back everything.`,
    severity: "error",
    versions: [notApplied.version],
  };
}

interface Draft {
  readonly steps: readonly { readonly migration: MigrationFile; readonly reason: string }[];
  readonly problems: readonly Problem[];
}

function planUp(a: Analysis, request: UpRequest): Draft {
  checkStep(request.step);
  const pendingEntries = a.merged.filter(isPending);
  const pending = new Set(pendingEntries.map((e) => e.file as MigrationFile));
  const rolledBack = new Set(pendingEntries.filter((e) => e.row !== null).map((e) => e.file as MigrationFile));
  const problems: Problem[] = [];
  let selected = a.order.filter((m) => pending.has(m));
  const extra = new Map<MigrationFile, string>();

  if (request.to !== undefined) {
    const to = request.to;
    const setting = option("to", to);
    const targets = indexByVersion(a.graph.migrations).resolve(to);
    const appliedRow = indexByVersion(a.merged.flatMap((e) => (e.row?.state === "applied" ? [e.row] : []))).resolve(to)[0];
    if (targets.length === 0 && appliedRow === undefined) {
      problems.push(unknownVersion("to", to, null));
      selected = [];
    } else if (targets.length === 0) {
      selected = []; // Applied, but its file is gone: MISSING_FILE says so.
    } else if (a.ordering === "graph") {
        // `--to V` in graph mode: V and whatever it needs that is not applied yet.
        const needed = reachable(targets, a.graph.dependencies);
        const targetSet = new Set(targets);
        selected = selected.filter((m) => needed.has(m));
        const names = targets.map((t) => t.id).join(", ");
        for (const m of selected) extra.set(m, targetSet.has(m) ? `requested by ${setting}` : `needed by ${names} (${setting})`);
    } else {
      const bound = targets.reduce((max, t) => (compareMigrations(t, max) > 0 ? t : max));
      selected = selected.filter((m) => compareVersions(m.version, bound.version) <= 0);
      for (const m of selected) extra.set(m, `requested by ${setting}`);
    }
    if (problems.length === 0 && selected.length === 0) {
      // Like golang-migrate and Flyway: a target that is already reached plans nothing. It is not
      // an error (deploy scripts pin `--to`), but it is worth a warning, with the way back.
      const head = a.head;
      const target = targets[0];
      const below = head !== null && target !== undefined && compareVersions(target.version, head.version) < 0;
      problems.push({
        code: "UNKNOWN_VERSION",
        message: below
          ? `${setting} is below the current version ${head === null ? "" : rowId(head)}, so there is nothing to apply.`
          : `${setting} is already applied, so there is nothing to apply.`,
        files: target === undefined ? [] : [mainFile(target)],
        fix: below ? `To go back to ${to}, run \`stratum down --to ${to}\`.` : "Run `stratum status` to see what is pending.",
        severity: "warning",
        versions: [to],
      });
    }
  }

  if (request.step !== undefined) selected = selected.slice(0, request.step);
  const stepNote = request.step === undefined ? "" : `, ${option("step", request.step)}`;
  return {
    problems,
    steps: selected.map((m) => {
      const parts = [rolledBack.has(m) ? "pending (rolled back earlier)" : "pending"];
      if (a.allowedOutOfOrder.has(m)) parts.push(`out of order (allowed by ${option("allowOutOfOrder")})`);
      const why = extra.get(m);
      if (why !== undefined) parts.push(why);
      return { migration: m, reason: parts.join(", ") + stepNote };
    }),
  };
}

/** A placeholder for an applied migration whose file is gone, so it can still be ordered and named. */
function missingPlaceholder(row: AppliedMigration): MigrationFile {
  return {
    version: row.version,
    name: row.name,
    id: rowId(row),
    kind: "sql",
    files: [],
    path: "",
    checksum: row.checksum,
    up: null,
    down: null,
    verify: null,
    options: { dependsOn: row.dependsOn, irreversible: false, requires: [] },
  };
}

/** Main files of real migrations (placeholders for missing files have none). */
function filesOf(ms: readonly MigrationFile[]): string[] {
  return ms.filter((m) => m.files.length > 0).map(mainFile);
}

function listIds(ms: readonly MigrationFile[], limit = 3): string {
  const shown = ms.slice(0, limit).map((m) => m.id);
  const more = ms.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(" and ");
}

function planDown(a: Analysis, request: DownRequest): Draft {
  const selectors = [
    request.to !== undefined && option("to"),
    request.step !== undefined && option("step"),
    request.batch === true && option("batch"),
    request.all === true && option("all"),
    request.versions !== undefined && "versions",
  ].filter((s): s is string => s !== false);
  if (selectors.length > 1) {
    const choices = (["to", "step", "batch", "all"] as const).map((name) => option(name)).join(", ");
    usage(`${selectors.join(" and ")} cannot be combined for down.`, `Pick one of ${choices} or versions.`);
  }
  checkStep(request.step);
  const graphMode = a.ordering === "graph";

  // The applied set: rows with state `applied`, with their files (or a placeholder when missing).
  const rows = new Map<MigrationFile, AppliedMigration>();
  const missing = new Set<MigrationFile>();
  const unusable = new Set<MigrationFile>();
  for (const { file, row, unusable: onDisk } of a.merged) {
    if (row?.state !== "applied") continue;
    const node = file ?? missingPlaceholder(row);
    if (file === null) missing.add(node);
    if (onDisk === true) unusable.add(node);
    rows.set(node, row);
  }
  const applied = [...rows.keys()];
  const graph = buildGraph(applied, "graph");
  // Rollback order: linear — newest version first; graph — reverse topological (dependents first).
  const downOrder = graphMode ? orderGraph(graph, "graph").order.reverse() : [...applied].sort(compareMigrations).reverse();
  const position = new Map(downOrder.map((m, i) => [m, i]));
  const index = indexByVersion(applied);
  const files = indexByVersion(a.graph.migrations);

  const problems: Problem[] = [];
  const selected = new Map<MigrationFile, string>();
  const resolveApplied = (by: "to" | "version", ref: string): readonly MigrationFile[] => {
    const found = index.resolve(ref);
    if (found.length === 0) problems.push(unknownVersion(by, ref, files.resolve(ref)[0] ?? null));
    return found;
  };

  if (request.all === true) {
    for (const m of downOrder) selected.set(m, `rollback: ${option("all", true)}`);
  } else if (request.batch === true) {
    let batch = -Infinity;
    for (const row of rows.values()) batch = Math.max(batch, row.batch);
    for (const m of downOrder) if (rows.get(m)?.batch === batch) selected.set(m, `rollback: in batch ${batch}`);
    // Linear mode rolls the batch back whatever its versions (Knex semantics, also after an allowed
    // out-of-order run); graph mode must not leave a dependent of the batch applied.
    if (graphMode) problems.push(...strandedDependents(selected, graph));
  } else if (request.to !== undefined) {
    const to = request.to;
    const targets = index.resolve(to);
    if (targets.length === 0 && isVersion(to) && versionKey(to) === "0") {
      for (const m of downOrder) selected.set(m, `rollback: ${option("to", "0")} (everything)`);
    } else if (resolveApplied("to", to).length > 0) {
      const target = option("to", to);
      const bound = targets.reduce((max, t) => (compareMigrations(t, max) > 0 ? t : max));
      const above = downOrder.filter((m) => compareMigrations(m, bound) > 0);
      for (const m of above) selected.set(m, `rollback: above ${to} (${target})`);
      if (graphMode) {
        // Dependents of what goes must go too, whatever their version (graph mode allows a lower
        // version to depend on a higher one).
        for (const [m, via] of dependentsWithVia(above, graph)) {
          if (!selected.has(m)) selected.set(m, `rollback: dependent of ${via.version} (${target})`);
        }
        for (const t of targets) {
          if (!selected.has(t)) continue;
          const needs = (graph.dependencies.get(t) ?? []).filter((d) => selected.has(d));
          problems.push({
            code: "FORWARD_DEPENDENCY",
            message: `${target} cannot keep ${t.id} applied: it depends on ${listIds(needs)}, which would be rolled back.`,
            files: filesOf([t, ...needs]),
            fix: `Choose a target at or above ${needs.map((n) => n.version).join(", ")}, or roll back exact versions with \`stratum down <version>\`.`,
            severity: "error",
            versions: [t.version, ...needs.map((n) => n.version)],
          });
          selected.delete(t);
        }
      }
    }
  } else if (request.versions !== undefined) {
    for (const ref of request.versions) {
      for (const m of resolveApplied("version", ref)) selected.set(m, "rollback: requested");
    }
    if (graphMode) problems.push(...strandedDependents(selected, graph));
    else problems.push(...newerLeftApplied(selected, downOrder));
  } else {
    const n = request.step ?? 1;
    const note = request.step === undefined ? `rollback: most recent (default ${option("step", 1)})` : `rollback: ${option("step", n)}`;
    for (const m of downOrder.slice(0, n)) selected.set(m, note);
  }

  const steps = [...selected.keys()].sort((x, y) => (position.get(x) ?? 0) - (position.get(y) ?? 0));
  for (const m of steps) problems.push(...obstacles(m, rows.get(m) as AppliedMigration, missing.has(m), unusable.has(m)));
  return { problems, steps: steps.map((m) => ({ migration: m, reason: selected.get(m) as string })) };
}

/** Transitive dependents of `roots` (roots excluded), each with the migration that pulled it in. */
function dependentsWithVia(roots: readonly MigrationFile[], graph: DependencyGraph): Map<MigrationFile, MigrationFile> {
  const via = new Map<MigrationFile, MigrationFile>();
  const seen = new Set(roots);
  const queue = [...roots];
  for (let head = 0; head < queue.length; head++) {
    const m = queue[head] as MigrationFile;
    for (const d of graph.dependents.get(m) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      via.set(d, m);
      queue.push(d);
    }
  }
  return via;
}

/** Graph mode: every selected migration with an applied dependent that is not selected. */
function strandedDependents(selected: ReadonlyMap<MigrationFile, string>, graph: DependencyGraph): Problem[] {
  const problems: Problem[] = [];
  for (const m of [...selected.keys()].sort(compareMigrations)) {
    const left = (graph.dependents.get(m) ?? []).filter((d) => !selected.has(d));
    if (left.length === 0) continue;
    problems.push({
      code: "OUT_OF_ORDER",
      message: `Rolling back ${m.id} would strand ${listIds(left, 5)}, which ${left.length === 1 ? "depends" : "depend"} on it and would stay applied.`,
      files: filesOf([m, ...left]),
      fix: `Roll back ${left.map((d) => d.version).join(", ")} as well, or leave ${m.id} applied.`,
      severity: "error",
      versions: [m.version, ...left.map((d) => d.version)],
    });
  }
  return problems;
}

/** Linear mode: the selected versions must be the newest applied ones. */
function newerLeftApplied(selected: ReadonlyMap<MigrationFile, string>, downOrder: readonly MigrationFile[]): Problem[] {
  const problems: Problem[] = [];
  const kept: MigrationFile[] = [];
  for (const m of downOrder) {
    if (!selected.has(m)) {
      kept.push(m);
      continue;
    }
    if (kept.length === 0) continue;
    problems.push({
      code: "OUT_OF_ORDER",
      message: `In linear mode only the newest migrations can be rolled back, but ${listIds(kept)} ${kept.length === 1 ? "is" : "are"} newer than ${m.id} and would stay applied.`,
      files: filesOf([m, ...kept.slice(0, 3)]),
      fix: `Roll back the newer versions as well, or use \`stratum down --to <version>\`.`,
      severity: "error",
      versions: [m.version, ...kept.map((k) => k.version)],
    });
  }
  return problems;
}

/** Why one migration cannot be rolled back: file gone, irreversible, no down, or changed. */
function obstacles(m: MigrationFile, row: AppliedMigration, isMissing: boolean, unusable: boolean): Problem[] {
  if (isMissing) return integrityProblems({ version: row.version, file: null, row, unusable });
  const problems: Problem[] = [];
  if (m.options.irreversible) {
    problems.push({
      code: "IRREVERSIBLE",
      message: `${m.id} is marked irreversible, so it cannot be rolled back.`,
      files: [mainFile(m)],
      fix: `Leave it applied (roll back only migrations above ${m.version}), or restore the database from a backup.`,
      severity: "error",
      versions: [m.version],
    });
  } else if (m.kind === "sql" && m.down === null) {
    // Code migrations: whether `down` exists is known only once loaded; the executor re-plans then.
    const hint = m.downHint;
    problems.push({
      code: "NO_DOWN",
      message:
        hint === undefined
          ? `${m.id} has no \`-- migrate:down\` section or \`.down.sql\` file, so it cannot be rolled back.`
          : `${m.id} has no down, so it cannot be rolled back.`,
      files: [mainFile(m)],
      fix: `Add ${hint ?? `a down section to ${mainFile(m)}`}, or leave it applied and roll back only migrations above ${m.version}.`,
      severity: "error",
      versions: [m.version],
    });
  }
  problems.push(...integrityProblems({ version: row.version, file: m, row }));
  return problems;
}

/**
 * Plans `up` or `down`. Returns `{ ok: false, problems }` when any problem is an error — every
 * problem found, at once — else the steps in order, each with its reason and the versions it must
 * wait for, and the warnings.
 *
 * up: pending migrations (no row, or rolled back) in run order; `to` (inclusive; graph mode: that
 * migration and its pending dependencies); `step` N (the first N).
 * down: applied migrations, newest first (graph mode: dependents first); `step` N (default 1),
 * `to` V (everything above V; `0` = all), `batch` (the highest batch), `all`, `versions` (exactly
 * those). Every step is checked: file present, reversible, down section, checksum unchanged.
 *
 * Throws `ConfigError` (code USAGE) for a malformed request: `step` below 1, or several down selectors.
 */
export function plan(
  migrations: readonly MigrationFile[],
  history: readonly AppliedMigration[],
  request: PlanRequest,
  policy: PlannerPolicy,
): Plan {
  const a = analyse(migrations, history, policy);
  // Out-of-order pending migrations stop `up`; they do not stand in the way of rolling back.
  const draft = request.direction === "up" ? planUp(a, request) : planDown(a, request);
  const all = dedupe([...a.problems, ...(request.direction === "up" ? a.outOfOrder : []), ...draft.problems]);
  if (all.some((p) => p.severity === "error")) return { ok: false, problems: all };
  const partial = draft.steps.map((s) => ({ direction: request.direction, migration: s.migration }));
  const after = predecessors(partial, policy.ordering);
  const steps: PlanStep[] = draft.steps.map((s, i) => ({
    direction: request.direction,
    migration: s.migration,
    reason: s.reason,
    after: after[i] ?? [],
  }));
  return { ok: true, steps, warnings: all };
}
