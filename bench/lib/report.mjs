// Turns measured groups into rows with ratios and targets, and prints plain aligned tables.

import { median } from "./measure.mjs";

/** A target is a sentence for the table and a test of a row; `null` from the test means "not measured". */
export function target(text, test) {
  return Object.freeze({ text, test });
}

export const ratioAtMost = (limit, of) => target(`≤ ${limit.toFixed(2)}× ${of}`, (row) => (row.ratio == null ? null : row.ratio <= limit));
export const secondsAtMost = (limit) => target(`≤ ${limit} s`, (row) => (row.median == null ? null : row.median <= limit));
export const rssAtMost = (limitMB) => target(`RSS ≤ ${limitMB} MB`, (row) => (row.rssMB == null ? null : row.rssMB <= limitMB));

/**
 * One table row. `result` is measureGroup's entry for the case; `baseline` the baseline's entry
 * (or undefined for the baseline itself).
 */
export function measuredRow(label, result, { baseline, n = null, targets = [], isBaseline = false, paired = false } = {}) {
  const s = result?.summary;
  const base = baseline?.summary;
  const ratio = isBaseline && s !== undefined ? 1 : s !== undefined && base !== undefined ? (paired ? pairedRatio(s.runs, base.runs) : s.median / base.median) : null;
  const row = {
    case: label,
    n,
    median: s?.median ?? null,
    min: s?.min ?? null,
    max: s?.max ?? null,
    runs: s?.runs ?? [],
    rssMB: s?.rssMB ?? null,
    ratio,
    paired: paired && !isBaseline && ratio !== null,
    isBaseline,
    error: result?.error ?? (s === undefined ? "not measured" : null),
    retried: result?.retried ?? [],
  };
  return judged(row, targets);
}

/**
 * The median of the run-by-run ratios: run i of the case ÷ run i of its baseline, the two measured
 * one right after the other, so a burst of load on the machine hits both sides of a pair alike.
 * Falls back to median ÷ median when a retry left the two lists of different lengths.
 */
export function pairedRatio(runs, baseRuns) {
  if (runs.length === 0 || runs.length !== baseRuns.length) return median(runs) / median(baseRuns);
  return median(runs.map((t, i) => t / baseRuns[i]));
}

/** A row computed from other rows (e.g. t(5000)/t(1000)): only a ratio. */
export function derivedRow(label, ratio, targets = [], error = null) {
  return judged(
    { case: label, n: null, median: null, min: null, max: null, runs: [], rssMB: null, ratio, isBaseline: false, derived: true, error, retried: [] },
    targets,
  );
}

/** The row with its targets judged: `met` and what was `missed`. */
export function judged(row, targets) {
  const outcomes = targets.map((t) => (row.error !== null && row.error !== undefined ? false : t.test(row)));
  const met = targets.length === 0 ? null : outcomes.every((o) => o === true);
  return { ...row, target: targets.map((t) => t.text).join(", "), met, missed: targets.filter((_, i) => outcomes[i] !== true).map((t) => t.text) };
}

const COLUMNS = Object.freeze([
  { title: "case", align: "left", cell: (r) => r.case },
  { title: "median s", align: "right", cell: (r) => seconds(r.median) },
  { title: "min", align: "right", cell: (r) => seconds(r.min) },
  { title: "max", align: "right", cell: (r) => seconds(r.max) },
  { title: "ratio", align: "right", cell: (r) => (r.ratio == null ? "—" : `${r.ratio.toFixed(2)}×${r.isBaseline ? " (base)" : r.paired ? " (paired)" : ""}`) },
  { title: "peak RSS MB", align: "right", cell: (r) => (r.rssMB == null ? "—" : r.rssMB.toFixed(1)) },
  { title: "target", align: "left", cell: (r) => (r.target === "" ? "—" : r.target) },
  { title: "met?", align: "left", cell: (r) => (r.met === null ? "—" : r.met ? "yes" : "no") },
]);

/** A spread this wide means something else was using the machine during the runs. */
export function isNoisy(row) {
  return row.min != null && row.max != null && row.min > 0 && row.max / row.min > NOISY_SPREAD;
}
const NOISY_SPREAD = 1.5;

/** What a known server error means for the bench. */
function hintFor(error) {
  if (/out of shared memory/i.test(error)) {
    return " (PostgreSQL's lock table cannot hold this many new tables in one transaction: raise max_locks_per_transaction)";
  }
  return "";
}

function seconds(value) {
  return value == null ? "—" : value.toFixed(3);
}

/** Plain aligned text: a title line, the header, a rule, the rows, then notes and errors. */
export function formatTable({ title, rows, notes = [] }) {
  const cells = rows.map((row) => COLUMNS.map((c) => c.cell(row)));
  const widths = COLUMNS.map((c, i) => Math.max([...c.title].length, ...cells.map((r) => [...r[i]].length)));
  const pad = (text, i) => {
    const gap = " ".repeat(widths[i] - [...text].length);
    return COLUMNS[i].align === "right" ? gap + text : text + gap;
  };
  const line = (values) => values.map(pad).join("  ").trimEnd();
  const out = [title, line(COLUMNS.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of cells) out.push(line(r));
  for (const row of rows) {
    if (row.error) out.push(`  ! ${row.case}: ${row.error}${hintFor(row.error)}`);
    else if (row.met === false) out.push(`  ! ${row.case}: missed ${row.missed.join(", ")}`);
    for (const retry of row.retried) out.push(`  ~ ${row.case}: ${retry} (retried once)`);
    if (isNoisy(row)) out.push(`  ~ ${row.case}: noisy, max is ${(row.max / row.min).toFixed(1)}× min; the median is unreliable (rerun on a quiet machine)`);
  }
  for (const note of notes) out.push(`  * ${note}`);
  return out.join("\n");
}
