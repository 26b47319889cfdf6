// `status --all-targets`: where each target of a fleet stands. A small fleet gets a matrix of
// targets × versions (✓ applied, · pending, ✗ failed); a large one a compact list, targets grouped
// by the version they are at, then a line for each target that is not at head. Pure functions over
// the status results the fan-out returns (TargetResult.detail holds each target's StatusReport).

import type { FleetRenderer, StatusState, TargetResult } from "../../index.js";
import type { Colors, Output } from "../io.js";
import { formatCount, migrationId, printable } from "./format.js";
import { renderTable, type Column, type Row } from "./table.js";

/** One migration of a target as `status` reports it (a StatusEntry's fields the views need). */
export interface TargetMigration {
  readonly version: string;
  readonly name: string;
  readonly state: StatusState;
}

/** One target's status: its migrations, or null with the error when it could not be read. */
export interface TargetStatus {
  readonly name: string;
  readonly migrations: readonly TargetMigration[] | null;
  readonly error?: { readonly message: string; readonly location?: string };
}

function isMigration(value: unknown): value is TargetMigration {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry["version"] === "string" && typeof entry["name"] === "string" && typeof entry["state"] === "string";
}

/** The migrations in a status result's detail (a StatusReport or its `--json` form); null when absent. */
function migrationsOf(detail: unknown): TargetMigration[] | null {
  if (typeof detail !== "object" || detail === null) return null;
  const list = (detail as Record<string, unknown>)["migrations"];
  if (!Array.isArray(list) || !list.every(isMigration)) return null;
  return list.map((m) => ({ version: m.version, name: m.name, state: m.state }));
}

/** Status results as the views read them (results without a status detail count as unreadable). */
export function targetStatuses(results: readonly TargetResult[]): TargetStatus[] {
  return results.map((result) => {
    const migrations = result.outcome === "ok" ? migrationsOf(result.detail) : null;
    const error = result.error ?? (migrations === null && result.outcome === "skipped" ? { message: "skipped" } : undefined);
    return { name: result.name, migrations, ...(error === undefined ? {} : { error }) };
  });
}

type Cell = "applied" | "pending" | "failed" | "attention";

/** ✓ applied, · pending (or rolled back), ✗ failed or interrupted, ! changed, renamed or missing. */
function cellOf(state: StatusState): Cell {
  switch (state) {
    case "applied":
      return "applied";
    case "pending":
    case "rolled_back":
      return "pending";
    case "failed":
    case "running":
      return "failed";
    case "changed":
    case "renamed":
    case "missing":
      return "attention";
  }
}

const SYMBOL: Record<Cell, string> = { applied: "✓", pending: "·", failed: "✗", attention: "!" };

/** Every version any target knows, in the order the targets list them (the first target's first). */
export function fleetVersions(targets: readonly TargetStatus[]): TargetMigration[] {
  const seen = new Map<string, TargetMigration>();
  for (const target of targets) for (const m of target.migrations ?? []) if (!seen.has(m.version)) seen.set(m.version, m);
  return [...seen.values()];
}

/** Where one target stands: its newest applied migration, how many are pending, which failed. */
export interface TargetPosition {
  /** The newest applied migration's id (`007_orders`); null when none is applied. */
  readonly at: string | null;
  readonly pending: number;
  /** Failed or interrupted migrations' ids. */
  readonly failed: readonly string[];
  /** Changed, renamed or missing migrations' ids. */
  readonly attention: readonly string[];
}

export function targetPosition(migrations: readonly TargetMigration[]): TargetPosition {
  let at: string | null = null;
  let pending = 0;
  const failed: string[] = [];
  const attention: string[] = [];
  for (const m of migrations) {
    const cell = cellOf(m.state);
    const id = migrationId(m.version, m.name);
    if (cell === "pending") pending += 1;
    else if (cell === "failed") failed.push(id);
    else {
      if (cell === "attention") attention.push(id);
      if (m.state !== "missing") at = id;
    }
  }
  return { at, pending, failed, attention };
}

function atHead(position: TargetPosition): boolean {
  return position.pending === 0 && position.failed.length === 0 && position.attention.length === 0;
}

function positionText(position: TargetPosition): string {
  const parts = [`at ${position.at ?? "no version"}`, `${position.pending} pending`];
  if (position.failed.length > 0) parts.push(`failed ${position.failed.join(", ")}`);
  if (position.attention.length > 0) parts.push(`changed or missing ${position.attention.join(", ")}`);
  return parts.join(", ");
}

function errorText(target: TargetStatus): string {
  const error = target.error;
  if (error === undefined) return "no status";
  const where = error.location !== undefined && !error.message.includes(error.location) ? ` (${error.location})` : "";
  return printable(`${error.message}${where}`);
}

export interface FleetStatusOptions {
  readonly colors: Colors;
  /** The terminal's width: a matrix wider than this gives way to the list. */
  readonly columns: number;
  /** The largest matrix: 30 targets × 20 versions unless told. */
  readonly maxTargets?: number;
  readonly maxVersions?: number;
}

function styleOf(cell: Cell, colors: Colors): (text: string) => string {
  switch (cell) {
    case "applied":
      return colors.green;
    case "pending":
      return colors.yellow;
    case "failed":
    case "attention":
      return (text) => colors.red(colors.bold(text));
  }
}

/** The key under the matrix: `1 001_users   2 002_orders …`, wrapped to the width. */
function keyLines(versions: readonly TargetMigration[], width: number): string[] {
  const items = versions.map((m, i) => `${i + 1} ${migrationId(m.version, m.name)}`);
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    if (line !== "" && line.length + 3 + item.length > width) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? item : `${line}   ${item}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The matrix: a row per target, a column per version (numbered; the key below names them). */
export function fleetMatrixLines(targets: readonly TargetStatus[], options: FleetStatusOptions): string[] {
  const { colors } = options;
  const versions = fleetVersions(targets);
  const columns: Column[] = [{ header: "TARGET" }, ...versions.map((_, i) => ({ header: String(i + 1), align: "right" as const })), { header: "AT" }, { header: "PENDING", align: "right" }];
  const rows: Row[] = [];
  const unreadable: string[] = [];
  for (const target of targets) {
    if (target.migrations === null) {
      unreadable.push(`${colors.red("✗")} ${printable(target.name)}: ${errorText(target)}`);
      continue;
    }
    const states = new Map(target.migrations.map((m) => [m.version, cellOf(m.state)]));
    const position = targetPosition(target.migrations);
    rows.push([
      printable(target.name),
      ...versions.map((m) => {
        const cell = states.get(m.version);
        return cell === undefined ? { text: " " } : { text: SYMBOL[cell], style: styleOf(cell, colors) };
      }),
      position.at ?? "-",
      { text: String(position.pending), ...(position.pending > 0 ? { style: colors.yellow } : {}) },
    ]);
  }
  const table = rows.length === 0 ? [] : renderTable(columns, rows, colors);
  const legend = colors.dim("✓ applied   · pending   ✗ failed   ! changed or missing");
  return [...table, ...unreadable, "", ...keyLines(versions, Math.max(20, options.columns - 1)), legend];
}

/** `2 targets at 007_orders, 3 pending`: how many targets stand where, the largest groups first. */
function groupLines(readable: readonly { target: TargetStatus; position: TargetPosition }[]): string[] {
  const groups = new Map<string, { at: string | null; pending: number; count: number }>();
  for (const { position } of readable) {
    const key = `${position.at ?? ""}\u0000${position.pending}`;
    const group = groups.get(key) ?? { at: position.at, pending: position.pending, count: 0 };
    group.count += 1;
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count || a.pending - b.pending || (a.at ?? "").localeCompare(b.at ?? ""));
  const width = Math.max(...sorted.map((g) => formatCount(g.count).length));
  return sorted.map((g) => `${formatCount(g.count).padStart(width)} ${g.count === 1 ? "target " : "targets"} at ${g.at ?? "no version"}, ${g.pending} pending`);
}

/** The compact list: the groups, then each target not at head (and each that could not be read). */
export function fleetListLines(targets: readonly TargetStatus[], options: FleetStatusOptions): string[] {
  const { colors } = options;
  const readable = targets.flatMap((target) => (target.migrations === null ? [] : [{ target, position: targetPosition(target.migrations) }]));
  const unreadable = targets.filter((target) => target.migrations === null);
  const behind = readable.filter(({ position }) => !atHead(position));
  const versions = fleetVersions(targets);
  const head = versions.at(-1);
  const lines = [colors.bold(`${formatCount(targets.length)} ${targets.length === 1 ? "target" : "targets"}, head ${head === undefined ? "none" : migrationId(head.version, head.name)}`)];
  lines.push(...groupLines(readable));
  if (unreadable.length > 0) lines.push(colors.red(`${formatCount(unreadable.length)} ${unreadable.length === 1 ? "target" : "targets"} not read`));
  if (behind.length > 0 || unreadable.length > 0) lines.push("");
  for (const { target, position } of behind) {
    const flagged = position.failed.length > 0 || position.attention.length > 0;
    const text = `${printable(target.name)}: ${positionText(position)}`;
    lines.push(flagged ? `${colors.red("✗")} ${text}` : `  ${text}`);
  }
  for (const target of unreadable) lines.push(`${colors.red("✗")} ${printable(target.name)}: ${errorText(target)}`);
  return lines;
}

/** `status --all-targets`: the matrix when the fleet is small and it fits the width, else the list. */
export function fleetStatusLines(results: readonly TargetResult[], options: FleetStatusOptions): string[] {
  const targets = targetStatuses(results);
  const versions = fleetVersions(targets);
  if (targets.length <= (options.maxTargets ?? 30) && versions.length <= (options.maxVersions ?? 20) && versions.length > 0) {
    const matrix = fleetMatrixLines(targets, options);
    // eslint-disable-next-line no-control-regex
    const widest = Math.max(...matrix.map((line) => [...line.replace(/\u001b\[[0-9;]*m/g, "")].length));
    if (widest <= options.columns) return matrix;
  }
  return fleetListLines(targets, options);
}

/** A status result cut to what the views read (the rest of each StatusReport is dropped as it comes). */
function slim(result: TargetResult): TargetResult {
  const migrations = migrationsOf(result.detail);
  const { detail: _dropped, ...rest } = result;
  return migrations === null ? rest : { ...rest, detail: { migrations } };
}

/**
 * `status --all-targets` without `--json`: while the targets are read, `progress` (the live view on
 * a terminal) shows it; at the end the matrix or the list. Keeps each target's migration states,
 * which the matrix needs, and nothing else of its report.
 */
export function createFleetStatusRenderer(output: Output, progress: FleetRenderer | null): FleetRenderer {
  const results: TargetResult[] = [];
  return {
    event(event) {
      if (event.type === "target-end") results.push(slim(event.result));
      if (event.type === "fleet-end") {
        progress?.close();
        output.line(fleetStatusLines(results, { colors: output.colors, columns: output.columns() }).join("\n"));
        return;
      }
      progress?.event(event);
    },
    close() {
      progress?.close();
    },
  };
}
