// Small builders for planner tests: `migration("003_x", { dependsOn: ["001"] })`, `applied("003_x")`.

import type { AppliedMigration, MigrationFile, Plan, Problem, SqlScript } from "../../../src/core/types.js";

export interface MigrationSpec {
  readonly dependsOn?: readonly string[];
  readonly kind?: "sql" | "code";
  /** `null`: no down section (SQL). */
  readonly down?: null;
  readonly irreversible?: boolean;
  readonly checksum?: string;
  /** Up/down pair layout: `003_x.up.sql` + `003_x.down.sql`. */
  readonly pair?: boolean;
}

/** The checksum both factories use by default, so a fresh `applied(id)` matches `migration(id)`. */
export function sumOf(id: string): string {
  return `sum-${id}`;
}

function split(id: string): { version: string; name: string } {
  const m = /^(\d+(?:\.\d+)*)_(.+)$/.exec(id);
  if (m === null) throw new Error(`test id must look like 003_name, got ${id}`);
  return { version: m[1] as string, name: m[2] as string };
}

function script(file: string, text: string): SqlScript {
  return { file, text, startLine: 2 };
}

export function migration(id: string, spec: MigrationSpec = {}): MigrationFile {
  const { version, name } = split(id);
  const kind = spec.kind ?? "sql";
  const files =
    kind === "code" ? [`${id}.ts`] : spec.pair === true ? [`${id}.up.sql`, `${id}.down.sql`] : [`${id}.sql`];
  const main = files[0] as string;
  const downFile = files[1] ?? main;
  return {
    version,
    name,
    id,
    kind,
    files,
    path: `/project/migrations/${main}`,
    checksum: spec.checksum ?? sumOf(id),
    up: kind === "sql" ? script(main, `create table t${version} (id int);`) : null,
    down: kind === "sql" && spec.down !== null ? script(downFile, `drop table t${version};`) : null,
    verify: null,
    options: {
      dependsOn: spec.dependsOn ?? [],
      irreversible: spec.irreversible ?? false,
      requires: [],
    },
  };
}

export interface AppliedSpec {
  readonly state?: AppliedMigration["state"];
  readonly batch?: number;
  readonly checksum?: string;
  readonly dependsOn?: readonly string[];
  readonly error?: string;
}

export function applied(id: string, spec: AppliedSpec = {}): AppliedMigration {
  const { version, name } = split(id);
  return {
    version,
    name,
    checksum: spec.checksum ?? sumOf(id),
    state: spec.state ?? "applied",
    appliedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 12,
    batch: spec.batch ?? 1,
    appliedBy: "tester",
    statementsDone: 0,
    dependsOn: spec.dependsOn ?? [],
    error: spec.error ?? null,
  };
}

/** `[m1, m2, …]` from ids, all SQL with down sections. */
export function migrations(...ids: string[]): MigrationFile[] {
  return ids.map((id) => migration(id));
}

/** Every problem as `CODE files…`, for compact expectations. */
export function summary(problems: readonly Problem[]): string[] {
  return problems.map((p) => [p.code, ...p.files].join(" "));
}

/** The steps of an ok plan as `version` strings; throws with the problems if the plan failed. */
export function versionsOf(plan: Plan): string[] {
  if (!plan.ok) throw new Error(`plan failed: ${summary(plan.problems).join("; ")}`);
  return plan.steps.map((s) => s.migration.version);
}

export function problemsOf(plan: Plan): readonly Problem[] {
  return plan.ok ? plan.warnings : plan.problems;
}

/** A chain of `n` migrations `00001_m1 …` (zero-padded to 5 digits). */
export function many(n: number, deps: (i: number) => readonly string[] = () => []): MigrationFile[] {
  const out: MigrationFile[] = [];
  for (let i = 1; i <= n; i++) out.push(migration(`${String(i).padStart(5, "0")}_m${i}`, { dependsOn: deps(i) }));
  return out;
}
