// Where a failure inside a joined batch belongs: pure helpers of the PostgreSQL batch.

import { describe, expect, it } from "vitest";
import { joinBatch, locateFailure } from "../../../src/dialects/postgres/batch-query.js";

describe("joinBatch", () => {
  it("separates statements so a trailing line comment cannot swallow the next", () => {
    const batch = joinBatch(["select 1 -- one", "select 2"]);
    expect(batch.text).toBe("select 1 -- one\n;\nselect 2");
    expect(batch.starts).toEqual([0, "select 1 -- one\n;\n".length]);
  });

  it("is empty for no statements", () => {
    expect(joinBatch([])).toEqual({ text: "", starts: [] });
  });
});

describe("locateFailure", () => {
  const statements = ["begin", "create table t (id int)", "select 1 frm x"];
  const batch = joinBatch(statements);
  const lengths = statements.map((s) => s.length);

  it("maps a position to its statement and the offset inside it", () => {
    const at = (batch.starts[2] as number) + "select 1 ".length;
    expect(locateFailure(batch, lengths, 0, at)).toEqual({ index: 2, position: "select 1 ".length });
  });

  it("uses the count of finished statements when there is no position", () => {
    expect(locateFailure(batch, lengths, 2, null)).toEqual({ index: 2, position: null });
  });

  it("falls back to the count when the position lies in a separator", () => {
    const inSeparator = (batch.starts[1] as number) - 1;
    expect(locateFailure(batch, lengths, 1, inSeparator)).toEqual({ index: 1, position: null });
  });

  it("counts the commands of a statement holding several (a goose StatementBegin/End block)", () => {
    const block = ["begin", "select 1;\nlock table missing in access exclusive mode;", "insert into history values (1)"];
    const joined = joinBatch(block);
    const blockLengths = block.map((s) => s.length);
    // begin and `select 1` completed; the LOCK failed (no position): the block, not the history row
    expect(locateFailure(joined, blockLengths, 2, null, [1, 2, 1])).toEqual({ index: 1, position: null });
    expect(locateFailure(joined, blockLengths, 3, null, [1, 2, 1])).toEqual({ index: 2, position: null });
  });

  it("never names a statement outside the batch", () => {
    expect(locateFailure(batch, lengths, 9, null).index).toBe(2);
    expect(locateFailure(batch, lengths, -1, null).index).toBe(0);
  });
});
