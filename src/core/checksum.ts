import * as crypto from "node:crypto";

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
  const text = texts.length === 1 ? normaliseText(texts[0] as string) : texts.map(normaliseText).join("\0");
  return sha256Hex(text);
}

/**
 * SHA-256 (hex) of a string's UTF-8 bytes: Node's one-shot `crypto.hash` where it exists (20.12
 * and later), which builds no Hash object — thousands of migrations are checksummed on every run.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");
