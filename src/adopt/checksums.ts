// Other tools' checksums, computed exactly as each tool stores them, so a stored value equal as
// text to foreignChecksumOf over the same file means the file is unchanged.

import { createHash } from "node:crypto";
import type { ForeignChecksum } from "./foreign-history.js";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** java.util.zip.CRC32 (IEEE 802.3), continued over `bytes` from `crc` (0 to start). */
function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** Java's BufferedReader.readLine over a text: lines split at \n, \r or \r\n, no trailing empty line. */
function javaLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (/[\r\n]$/.test(text)) lines.pop();
  return lines;
}

/** One resource's checksum as Flyway computes it, unsigned. */
function flywayResourceCrc(fileText: string): number {
  const encoder = new TextEncoder();
  let crc = 0;
  const lines = javaLines(fileText);
  lines.forEach((line, i) => {
    crc = crc32Update(crc, encoder.encode(i === 0 && line.startsWith("\uFEFF") ? line.slice(1) : line));
  });
  return crc;
}

/**
 * Flyway's checksum (flyway-core internal/resolver/ChecksumCalculator.java): CRC32 over the UTF-8
 * bytes of each line read by BufferedReader.readLine (line terminators left out, so line endings
 * do not matter), a byte order mark at the start of the first line removed, cast to a signed int.
 * For several resources (a script and its callbacks): CRC32 over each one's checksum as 4
 * big-endian bytes.
 */
export function flywayCrc32(fileTexts: readonly string[]): number {
  if (fileTexts.length === 1) return flywayResourceCrc(fileTexts[0] as string) | 0;
  let crc = 0;
  for (const fileText of fileTexts) {
    const value = flywayResourceCrc(fileText);
    crc = crc32Update(crc, new Uint8Array([(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]));
  }
  return crc | 0;
}

/**
 * Atlas's `hash` (ariga/atlas sql/migrate/dir.go NewHashFile): one SHA-256 fed, file after file in
 * directory order, with each file's name then its bytes (only the name for a file marked
 * `atlas:sum ignore`), the value after a file being base64 of the digest so far. `fileTexts` is
 * [name₁, text₁, …, nameₙ, textₙ] up to and including the file in question.
 */
export function atlasHash(fileTexts: readonly string[]): string {
  if (fileTexts.length === 0 || fileTexts.length % 2 !== 0) {
    throw new Error("atlas checksums take the name and text of each file up to the one in question, in pairs");
  }
  const hash = createHash("sha256");
  for (let i = 0; i < fileTexts.length; i += 2) {
    hash.update(fileTexts[i] as string, "utf8");
    const body = fileTexts[i + 1] as string;
    // atlas matches its directive at the very start of the file: `^([ -~]*)atlas:(\w+)(?: +(.+))*`
    if (!/^[ -~]*atlas:sum +ignore(?:\n|$)/.test(body)) hash.update(body, "utf8");
  }
  return hash.copy().digest("base64");
}

/**
 * The checksum `kind` over the files' texts, formatted as the tool stores it:
 * - `flyway-crc32`: Flyway's CRC32 as a signed decimal integer;
 * - `sha256`: hex SHA-256 of the text's UTF-8 bytes (Prisma's migration.sql, drizzle's .sql file);
 * - `md5`: hex MD5 of the text's UTF-8 bytes, line endings as they are (postgrator's default);
 * - `atlas`: see atlasHash (`fileTexts` are name/text pairs).
 * Several texts: Flyway combines them as it does a script's resources; the hashes concatenate.
 */
export function foreignChecksumOf(kind: ForeignChecksum["kind"], fileTexts: readonly string[]): string {
  switch (kind) {
    case "flyway-crc32":
      return String(flywayCrc32(fileTexts));
    case "sha256":
      return createHash("sha256").update(fileTexts.join(""), "utf8").digest("hex");
    case "md5":
      return createHash("md5").update(fileTexts.join(""), "utf8").digest("hex");
    case "atlas":
      return atlasHash(fileTexts);
  }
}

/** Prisma's checksum before it zero-padded: each byte in hex without a leading zero. */
function unpaddedHex(digest: Buffer): string {
  return [...digest].map((b) => b.toString(16)).join("");
}

/**
 * Whether a stored checksum still matches the files, as leniently as the tool itself judges it:
 * Prisma also accepts the script with CRLF turned to LF or LF to CRLF (git's line endings), and
 * the unpadded hex an old schema engine wrote (prisma-engines schema-engine core checksum.rs
 * script_matches_checksum). Every other kind is plain equality with foreignChecksumOf.
 */
export function foreignChecksumMatches(kind: ForeignChecksum["kind"], fileTexts: readonly string[], stored: string): boolean {
  if (foreignChecksumOf(kind, fileTexts) === stored) return true;
  if (kind !== "sha256") return false;
  const script = fileTexts.join("");
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((v) => {
    const digest = createHash("sha256").update(v, "utf8").digest();
    return digest.toString("hex") === stored || (stored.length !== 64 && unpaddedHex(digest) === stored);
  });
}
