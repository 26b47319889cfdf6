import { describe, expect, it } from "vitest";
import { jsonKeyLines } from "../../../src/config/load.js";

describe("jsonKeyLines: where each key of a JSON config is, for file:line messages", () => {
  it("maps nested key paths to their lines", () => {
    const text = [
      "{",
      '  "url": "sqlite:./a.db",',
      '  "list": [1, { "inner": "{not a brace}" }],',
      '  "environments": {',
      '    "production": {',
      '      "parallel": 100,',
      '      "url": "x"',
      "    },",
      '    "test": { "url": "sqlite::memory:" }',
      "  },",
      '  "quoted \\"key\\"": true',
      "}",
    ].join("\n");
    const lines = jsonKeyLines(text);
    const at = (...path: string[]) => lines.get(path.join("\u0000"));
    expect(at("url")).toBe(2);
    expect(at("list")).toBe(3);
    expect(at("list", "1", "inner")).toBe(3);
    expect(at("environments")).toBe(4);
    expect(at("environments", "production")).toBe(5);
    expect(at("environments", "production", "parallel")).toBe(6);
    expect(at("environments", "production", "url")).toBe(7);
    expect(at("environments", "test", "url")).toBe(9);
    expect(at('quoted "key"')).toBe(11);
  });

  it("keeps the last of a repeated key, as JSON.parse does", () => {
    expect(jsonKeyLines('{\n"a": 1,\n"a": 2\n}').get("a")).toBe(3);
  });

  it("survives 100 000 nested arrays", () => {
    const text = `{"environments": {"x": ${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
    expect(jsonKeyLines(text).get("environments\u0000x")).toBe(1);
  });
});
