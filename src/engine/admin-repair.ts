import { basename } from "node:path";
import type { RepairOptions, RepairReport } from "../api-types.js";
import { repairAction } from "../core/confirm-actions.js";
import { ValidationError } from "../core/errors.js";
import { isRenamed, unusableVersions } from "../core/status.js";
import type { AppliedMigration, Problem } from "../core/types.js";
import { isVersion, versionKey } from "../core/version.js";
import { parseFileName } from "../source/file-name.js";
import { confirmProtected } from "./confirm.js";
import type { Engine } from "./ports.js";
import { unterminatedIn } from "./prepare.js";
import { instantLog } from "./report.js";
import { inTransaction, throwIfAborted, withConnection, withLock, type Session } from "./session.js";
import { discover, readHistory, type Discovered } from "./workspace.js";

/** What a repair changes in the state rows. */
interface RepairPlan {
  readonly updated: { version: string; name: string; from: string; to: string }[];
  readonly removed: { version: string; name: string; checksum: string }[];
  readonly missing: string[];
  readonly renamed: { version: string; from: string; to: string; checksum: string }[];
}

/** Re-records checksums and names of changed files, and drops rows of files that are gone (`removeMissing`). */
export async function repair(engine: Engine, options: RepairOptions = {}): Promise<RepairReport> {
  throwIfAborted(options.signal);
  const found = await discover(engine);
  throwIfAborted(options.signal);
  // decided from one read when there is nothing to do, so a no-op repair takes no lock and
  // creates nothing (SQLite: no database file where there is none)
  const seen = await withConnection(engine, (conn) => readHistory(engine, conn, found), true);
  const planned = checkedPlan(engine, found, seen, options.removeMissing === true);
  const nothingToDo = planned.updated.length + planned.renamed.length + planned.removed.length === 0;
  if (options.dryRun || nothingToDo) return reportOf(planned);
  throwIfAborted(options.signal);
  return withLock(engine, async (session) => {
    const applied = await readHistory(engine, session.conn, found);
    const changes = checkedPlan(engine, found, applied, options.removeMissing === true);
    await confirmProtected(engine, options.confirm, repairAction(options.removeMissing === true));
    await writeRepair(engine, session, changes);
    return reportOf(changes);
  }, options.signal);
}

/** The plan, or the refusal: the same answer before the lock and under it. */
function checkedPlan(engine: Engine, found: Discovered, applied: readonly AppliedMigration[], removeMissing: boolean): RepairPlan {
  refuseCorrupt(found, applied);
  const changes = planRepair(found, applied, removeMissing);
  refuseUnsure(engine, found, changes);
  return changes;
}

function planRepair(found: Discovered, applied: readonly AppliedMigration[], removeMissing: boolean): RepairPlan {
  const byVersion = new Map(found.migrations.map((m) => [versionKey(m.version), m]));
  const changes: RepairPlan = { updated: [], removed: [], missing: [], renamed: [] };
  for (const row of applied) {
    const migration = byVersion.get(versionKey(row.version));
    if (migration && migration.checksum !== row.checksum && row.state === "applied") {
      changes.updated.push({ version: row.version, name: row.name, from: row.checksum, to: migration.checksum });
    } else if (!migration && removeMissing) {
      changes.removed.push({ version: row.version, name: row.name, checksum: row.checksum });
    } else if (!migration) {
      changes.missing.push(row.version);
    }
    if (migration && row.state === "applied" && isRenamed(migration, row)) {
      changes.renamed.push({ version: row.version, from: row.name, to: migration.name, checksum: migration.checksum });
    }
  }
  return changes;
}

function reportOf(changes: RepairPlan): RepairReport {
  return {
    updated: changes.updated.map(({ version, from, to }) => ({ version, from, to })),
    removed: changes.removed.map((r) => r.version),
    missing: changes.missing,
    renamed: changes.renamed.map(({ version, from, to }) => ({ version, from, to })),
  };
}

function refuseCorrupt(found: Discovered, applied: readonly AppliedMigration[]): void {
  const corrupt = found.problems.filter((p) => p.code === "CORRUPT_HISTORY");
  if (corrupt.length > 0) throw new ValidationError(corrupt);
  // an applied migration whose file is there but unreadable is neither changed nor missing
  // to repair: it would be forgotten as missing; the file must be fixed first
  const unusable = unusableVersions(found.problems);
  const rowKeys = new Set(applied.map((row) => versionKey(row.version)));
  const unreadable = found.problems.filter(
    (p) => p.code === "BAD_SECTION" && (p.versions ?? []).some((v) => unusable.has(versionKey(v)) && rowKeys.has(versionKey(v))),
  );
  if (unreadable.length > 0) throw new ValidationError(unreadable);
}

/**
 * A corrupt history, or a file problem of a migration whose row would change (a stray half of
 * a pair, say): repair would record files that are not what the user meant.
 */
function refuseUnsure(engine: Engine, found: Discovered, changes: RepairPlan): void {
  const changing = new Set([...changes.updated, ...changes.removed, ...changes.renamed].map((c) => versionKey(c.version)));
  const unsure = found.problems.filter(
    (p) => p.code === "CORRUPT_HISTORY" || (p.severity === "error" && problemVersions(p).some((v) => changing.has(v))),
  );
  // what the dialect's lexer finds in the down section a rollback would run (the up never runs again)
  const broken = found.migrations.filter((m) => changing.has(versionKey(m.version))).flatMap((m) => unterminatedIn(engine, m, "down"));
  const seenProblem = new Set(unsure.map((p) => p.message));
  unsure.push(...broken.filter((p) => !seenProblem.has(p.message)));
  if (unsure.length > 0) throw new ValidationError(unsure);
}

async function writeRepair(engine: Engine, { conn, dbUser }: Session, changes: RepairPlan): Promise<void> {
  const { history } = engine.target;
  await inTransaction(conn, async () => {
    for (const u of changes.updated) {
      await history.setState(conn, u.version, "applied", { checksum: u.to });
      await history.log(conn, instantLog(engine, dbUser, { operation: "repair", version: u.version, name: u.name, checksum: u.to, details: `checksum ${u.from} -> ${u.to}` }));
    }
    for (const r of changes.renamed) {
      await history.setState(conn, r.version, "applied", { name: r.to });
      await history.log(conn, instantLog(engine, dbUser, { operation: "repair", version: r.version, name: r.to, checksum: r.checksum, details: `name ${r.from} -> ${r.to}` }));
    }
    for (const r of changes.removed) {
      await history.remove(conn, r.version);
      await history.log(conn, instantLog(engine, dbUser, { operation: "repair", version: r.version, name: r.name, checksum: r.checksum, details: "state row removed: file is gone" }));
    }
  });
}

/** The versions a problem concerns: its own list, else the versions its files are named with. */
function problemVersions(problem: Problem): string[] {
  if (problem.versions !== undefined) return problem.versions.flatMap((v) => (isVersion(v) ? [versionKey(v)] : []));
  return problem.files.flatMap((file) => {
    const parsed = parseFileName(basename(file.replace(/:\d+$/, "")));
    return "version" in parsed ? [versionKey(parsed.version)] : [];
  });
}
