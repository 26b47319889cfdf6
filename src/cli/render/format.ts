// Small pure formatters shared by every view. Deterministic: no locale, no time zone.

/** `003_add_orders`: what the user sees as a migration's name. */
export function migrationId(version: string, name: string | null | undefined): string {
  if (name === null || name === undefined || name === "") return version;
  return name.startsWith(`${version}_`) ? name : `${version}_${name}`;
}

/** `12 ms`, `1.5 s`, `2m 03s`, `1h 02m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(value / 1000);
  if (totalSeconds < 3600) {
    const minutes = Math.floor(totalSeconds / 60);
    return `${minutes}m ${String(totalSeconds % 60).padStart(2, "0")}s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, "0")}m`;
}

/** `2026-11-21 09:30:00` in UTC, or the text as given when it is not a date. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "-";
  // what Stratum writes (Date#toISOString) is already the answer, cut: `status` formats thousands,
  // and parsing each into a Date cost more than the rest of their line (issue 16). A day past its
  // month's end goes through Date, which moves it into the next month.
  const canonical = CANONICAL_UTC.exec(iso);
  if (canonical !== null && Number(canonical[3]) <= daysInMonth(Number(canonical[1]), Number(canonical[2]))) {
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** `2026-11-21T09:30:00.123Z`: year, month, day captured, every field in its range. */
const CANONICAL_UTC = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `12,345` without depending on the process locale. */
export function formatCount(n: number): string {
  const sign = n < 0 ? "-" : "";
  const digits = String(Math.abs(Math.trunc(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `1 migration`, `3 migrations`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** Cuts `text` to `width` characters, ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width === 1) return "…";
  return `${chars.slice(0, width - 1).join("")}…`;
}

/** The first line of a possibly multi-line text. */
export function firstLine(text: string): string {
  const index = text.indexOf("\n");
  return index === -1 ? text : text.slice(0, index);
}

/** A short checksum for tables: the first 12 hex digits. */
export function shortChecksum(checksum: string | null | undefined): string {
  if (checksum === null || checksum === undefined || checksum === "") return "-";
  return checksum.slice(0, 12);
}

/** Visible width of a string, ignoring ANSI escape sequences. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")].length;
}

/**
 * Text from files and drivers with control characters made visible (`\x1b`), so a file name or
 * message can never drive the terminal. Newlines and tabs stay.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
