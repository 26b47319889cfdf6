// Other tools' checksums, against values the tools' own algorithms give.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { flywayCrc32, foreignChecksumMatches, foreignChecksumOf } from "../../../src/adopt/checksums.js";

describe("Flyway CRC32", () => {
  // The published CRC-32 check value: CRC32("123456789") = 0xCBF43926, stored by Flyway as a signed int.
  it("is java.util.zip.CRC32 stored as a signed int", () => {
    expect(foreignChecksumOf("flyway-crc32", ["123456789"])).toBe(String(0xcbf43926 | 0));
    expect(foreignChecksumOf("flyway-crc32", ["123456789"])).toBe("-873187034");
  });

  // Values below were derived by running Flyway's own algorithm in Java 17 (a copy of flyway-core
  // internal/resolver/ChecksumCalculator.calculateChecksumForResource and calculate: BufferedReader
  // .readLine over the text, BomFilter on the first line, CRC32.update(line.getBytes(UTF_8)),
  // (int) getValue(); several resources: CRC32 over each checksum's 4 big-endian bytes).
  it("ignores line terminators and a leading byte order mark, as Flyway's readLine loop does", () => {
    const lf = "CREATE TABLE users (id INT PRIMARY KEY);\n";
    expect(foreignChecksumOf("flyway-crc32", [lf])).toBe("837277666");
    expect(foreignChecksumOf("flyway-crc32", [lf.replace("\n", "\r\n")])).toBe("837277666");
    expect(foreignChecksumOf("flyway-crc32", [`\uFEFF${lf}`])).toBe("837277666");
  });

  it("hashes each line's UTF-8 bytes, blank lines adding nothing", () => {
    const script = "-- a comment\nCREATE TABLE t (\n  name VARCHAR(10) DEFAULT 'é'\n);\n\nINSERT INTO t VALUES ('ünïcode');\n";
    expect(foreignChecksumOf("flyway-crc32", [script])).toBe("-1872344018");
    expect(foreignChecksumOf("flyway-crc32", [""])).toBe("0");
    expect(foreignChecksumOf("flyway-crc32", ["\n\n"])).toBe("0");
    expect(foreignChecksumOf("flyway-crc32", ["a\rb\r\nc"])).toBe("891568578");
  });

  it("combines several resources as ChecksumCalculator.calculate does", () => {
    expect(flywayCrc32(["select 1;\n", "select 2;\n"])).toBe(2086904000);
  });

  it("changes when a statement changes", () => {
    expect(foreignChecksumOf("flyway-crc32", ["select 1;\n"])).not.toBe(foreignChecksumOf("flyway-crc32", ["select 2;\n"]));
  });
});

describe("SHA-256 (Prisma, drizzle) and MD5 (postgrator)", () => {
  it("are the hex digests of the text's UTF-8 bytes", () => {
    // sha256("abc") and md5("abc") are the published test vectors (FIPS 180-2, RFC 1321).
    expect(foreignChecksumOf("sha256", ["abc"])).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(foreignChecksumOf("md5", ["abc"])).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(foreignChecksumOf("sha256", ["é"])).toBe(createHash("sha256").update(Buffer.from([0xc3, 0xa9])).digest("hex"));
  });

  it("see line endings: postgrator and drizzle hash the text as it is", () => {
    expect(foreignChecksumOf("md5", ["select 1;\r\n"])).not.toBe(foreignChecksumOf("md5", ["select 1;\n"]));
    expect(foreignChecksumMatches("md5", ["select 1;\r\n"], foreignChecksumOf("md5", ["select 1;\n"]))).toBe(false);
  });

  it("match Prisma's stored checksum across CRLF/LF and its old unpadded hex, as Prisma does", () => {
    const stored = foreignChecksumOf("sha256", ["CREATE TABLE a (id int);\n"]);
    expect(foreignChecksumMatches("sha256", ["CREATE TABLE a (id int);\r\n"], stored)).toBe(true);
    expect(foreignChecksumMatches("sha256", ["CREATE TABLE b (id int);\n"], stored)).toBe(false);
    const digest = createHash("sha256").update("x").digest();
    const unpadded = [...digest].map((b) => b.toString(16)).join("");
    expect(unpadded.length).toBeLessThan(64);
    expect(foreignChecksumMatches("sha256", ["x"], unpadded)).toBe(true);
  });
});

describe("Atlas hash", () => {
  // ariga/atlas sql/migrate/dir.go NewHashFile: one running SHA-256 over name then bytes of each
  // file, the entry of a file being base64 of the digest so far.
  const files = ["1_init.sql", "CREATE TABLE t (id int);\n", "2_more.sql", "ALTER TABLE t ADD c int;\n"];

  it("is the running digest up to the file, base64", () => {
    const first = createHash("sha256").update("1_init.sql").update("CREATE TABLE t (id int);\n").digest("base64");
    const second = createHash("sha256")
      .update("1_init.sql")
      .update("CREATE TABLE t (id int);\n")
      .update("2_more.sql")
      .update("ALTER TABLE t ADD c int;\n")
      .digest("base64");
    expect(foreignChecksumOf("atlas", files.slice(0, 2))).toBe(first);
    expect(foreignChecksumOf("atlas", files)).toBe(second);
  });

  it("leaves out the body of a file marked atlas:sum ignore, not its name", () => {
    const ignored = "-- atlas:sum ignore\nselect 1;\n";
    const expected = createHash("sha256").update("1_x.sql").digest("base64");
    expect(foreignChecksumOf("atlas", ["1_x.sql", ignored])).toBe(expected);
  });

  it("changes for a file when an earlier file changes", () => {
    const changed = [...files];
    changed[1] = "CREATE TABLE t (id bigint);\n";
    expect(foreignChecksumOf("atlas", changed)).not.toBe(foreignChecksumOf("atlas", files));
  });

  it("refuses texts that are not name/text pairs", () => {
    expect(() => foreignChecksumOf("atlas", ["only-a-name.sql"])).toThrow(/in pairs/);
  });
});
