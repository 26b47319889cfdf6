import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checksumOf, normaliseText } from "../../../src/core/checksum.js";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

describe("normaliseText", () => {
  it.each([
    ["LF unchanged", "a\nb\n", "a\nb\n"],
    ["CRLF to LF", "a\r\nb\r\n", "a\nb\n"],
    ["lone CR to LF", "a\rb\r", "a\nb\n"],
    ["mixed endings", "a\r\nb\rc\n", "a\nb\nc\n"],
    ["leading BOM removed", "\uFEFFselect 1;", "select 1;"],
    ["BOM elsewhere kept", "a\uFEFFb", "a\uFEFFb"],
    ["whitespace inside a line kept", "'a  b'\t;", "'a  b'\t;"],
    ["trailing whitespace kept", "a \n", "a \n"],
    ["empty", "", ""],
  ])("%s", (_label, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });
});

describe("checksumOf", () => {
  it("is the SHA-256 of one text alone", () => {
    expect(checksumOf(["abc"])).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(checksumOf([""])).toBe(sha256(""));
  });

  it("joins several texts with NUL", () => {
    expect(checksumOf(["up", "down"])).toBe(sha256("up\0down"));
    expect(checksumOf(["ab", ""])).not.toBe(checksumOf(["a", "b"]));
  });

  it.each([
    ["BOM", "\uFEFFCREATE TABLE t (a int);\n", "CREATE TABLE t (a int);\n"],
    ["CRLF", "CREATE TABLE t (\r\n  a int\r\n);\r\n", "CREATE TABLE t (\n  a int\n);\n"],
    ["CR", "SELECT 1;\rSELECT 2;\r", "SELECT 1;\nSELECT 2;\n"],
    ["BOM and CRLF", "\uFEFFSELECT 1;\r\n", "SELECT 1;\n"],
  ])("treats %s the same as LF text", (_label, a, b) => {
    expect(checksumOf([a])).toBe(checksumOf([b]));
  });

  it.each([
    ["space inside a string", "SELECT 'a b';", "SELECT 'ab';"],
    ["indentation", "SELECT 1;", "  SELECT 1;"],
    ["tab versus space", "SELECT\t1;", "SELECT 1;"],
    ["trailing newline", "SELECT 1;\n", "SELECT 1;"],
    ["blank line", "SELECT 1;\n\nSELECT 2;", "SELECT 1;\nSELECT 2;"],
    ["case", "select 1;", "SELECT 1;"],
  ])("tells texts apart that differ by %s", (_label, a, b) => {
    expect(checksumOf([a])).not.toBe(checksumOf([b]));
  });

  it("normalises each text of a pair", () => {
    expect(checksumOf(["a\r\n", "\uFEFFb\r\n"])).toBe(checksumOf(["a\n", "b\n"]));
  });
});
