// The checksums other tools store, computed over our files in each tool's own format, so equality
// with ForeignEntry.checksum.value means "unchanged since the tool applied it".
// (adoptcore's copy, for its own tests; the readers' work brings the full one.)

import { createHash } from "node:crypto";
import { ConfigError } from "../core/errors.js";
import type { ForeignChecksum } from "./foreign-history.js";

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = crc ^ -1;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return c ^ -1;
}

/** Flyway: CRC32 over each line's UTF-8 bytes without its line ending (BOM dropped), as a signed 32-bit integer. */
function flywayCrc32(text: string): string {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  // a final line ending ends the last line: no empty line after it
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let crc = 0;
  for (const line of lines) crc = crc32Update(crc, Buffer.from(line, "utf8"));
  return String(crc | 0);
}

export function foreignChecksumOf(kind: ForeignChecksum["kind"], fileTexts: readonly string[]): string {
  switch (kind) {
    case "flyway-crc32":
      return flywayCrc32(fileTexts.join("\n"));
    case "sha256":
      return createHash("sha256").update(fileTexts.join("")).digest("hex");
    case "md5":
      return createHash("md5").update(fileTexts.join("")).digest("hex");
    default:
      throw new ConfigError(`checksums of kind ${kind} cannot be verified by this build`, { code: "USAGE" });
  }
}
