import { createHash } from "node:crypto";

/**
 * The text a checksum is taken over: a leading UTF-8 byte-order mark removed and line endings
 * made `\n` (CRLF and lone CR). Nothing else changes — whitespace inside a line is significant,
 * because `'a b'` and `'ab'` are different SQL.
 */
export function normaliseText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.includes("\r") ? withoutBom.replace(/\r\n?/g, "\n") : withoutBom;
}

/**
 * SHA-256 (hex) of a migration's files: the normalised texts joined with `\0`, in order
 * (for one file, the hash of its normalised text alone).
 */
export function checksumOf(texts: readonly string[]): string {
  return createHash("sha256").update(texts.map(normaliseText).join("\0"), "utf8").digest("hex");
}
