// Drift, the pure part: a snapshot's fingerprint, and what changed outside migrations as sentences.

import { createHash } from "node:crypto";
import type { SchemaChange } from "./diff.js";
import type { SchemaSnapshot } from "./model.js";

/** JSON with every object's keys sorted: the same snapshot always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** How many characters `canonicalChunks` gathers before handing a piece on. */
const CHUNK = 64 * 1024;

/**
 * `canonicalJson(value)` in pieces of about 64 KB, joined they are the same text. The top level's
 * lists are written one element at a time, so a snapshot of thousands of tables is never one
 * string, nor copied whole with its keys sorted: hashing and compressing it piece by piece keeps
 * the memory of a run that records it to a piece (issue 16: 5,000 tables, 5.2 MB of JSON).
 */
export function* canonicalChunks(value: unknown): Generator<string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    yield canonicalJson(value) ?? "null";
    return;
  }
  let piece = "{";
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    piece += `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(item)) {
      piece += canonicalJson(item);
      continue;
    }
    piece += "[";
    for (let i = 0; i < item.length; i++) {
      // as JSON.stringify writes a list's undefined (sortKeys keeps it): null
      piece += (i === 0 ? "" : ",") + (canonicalJson(item[i]) ?? "null");
      if (piece.length >= CHUNK) {
        yield piece;
        piece = "";
      }
    }
    piece += "]";
  }
  yield `${piece}}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) sorted[key] = sortKeys(item);
  }
  return sorted;
}

/** SHA-256 (hex) of the snapshot's canonical JSON. */
export function fingerprintOf(snapshot: SchemaSnapshot): string {
  const hash = createHash("sha256");
  for (const piece of canonicalChunks(snapshot)) hash.update(piece, "utf8");
  return hash.digest("hex");
}

const SHORT = 60;

/** A value short enough to quote in a sentence, else null. */
function quotable(value: string | null): string | null {
  if (value === null) return "none";
  const flat = value.replace(/\s+/g, " ").trim();
  return flat.length > SHORT ? null : flat;
}

/**
 * One sentence per change, expected → live: `column public.users.nickname was added outside
 * migrations`, `index public.users_email_idx was removed outside migrations`, `view
 * public.active_users: definition changed outside migrations`, with the values when short
 * (`column public.t.age: type changed outside migrations (was integer, now bigint)`).
 */
export function driftSentence(change: SchemaChange): string {
  if (change.change !== "changed") return `${change.kind} ${change.name} was ${change.change} outside migrations`;
  const was = quotable(change.before);
  const now = quotable(change.after);
  const values = was !== null && now !== null ? ` (was ${was}, now ${now})` : "";
  return `${change.kind} ${change.name}: ${change.field} changed outside migrations${values}`;
}

/**
 * The changes without a table's `definition` change when its columns or constraints changed too:
 * where the table's text is kept (SQLite's CREATE TABLE), it changes with them and says nothing more.
 */
export function withoutRedundant(changes: readonly SchemaChange[]): SchemaChange[] {
  const parts = new Set(changes.filter((c) => c.kind === "column" || c.kind === "constraint").map((c) => c.name.slice(0, c.name.lastIndexOf("."))));
  return changes.filter((c) => !(c.change === "changed" && c.kind === "table" && c.field === "definition" && parts.has(c.name)));
}

export function driftSentences(changes: readonly SchemaChange[]): string[] {
  return changes.map(driftSentence);
}

/** The sentence said when there is nothing recorded to compare with. */
export function noSnapshotSentence(database: string): string {
  return (
    `no schema snapshot is recorded for ${database} (its history predates drift detection, or it was adopted), so drift cannot be checked: ` +
    "the next `stratum up` or `stratum down` that applies or rolls back a migration records one; `stratum drift --replay` compares with the migrations replayed on a shadow database now"
  );
}

/** A warning's text: the first sentences, and how many more. */
export function driftSummary(sentences: readonly string[], limit = 10): string {
  const shown = sentences.slice(0, limit);
  const more = sentences.length > limit ? `; and ${sentences.length - limit} more` : "";
  return `${shown.join("; ")}${more}`;
}
