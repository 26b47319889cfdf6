// The mapping `stratum adopt` prints: their entry → our file → state, then what was set aside.

import { describe, expect, it } from "vitest";
import { adoptLines } from "../../../src/cli/render/adopt-view.js";

describe("adoptLines", () => {
  it("lists each mapping, the repeatable entries set aside, the pending migrations and what a dry run would do", () => {
    const lines = adoptLines({
      source: "flyway",
      read: "flyway_schema_history",
      dryRun: true,
      migrations: [
        { entry: "flyway_schema_history installed_rank 1 (baseline 1.1: Flyway counts every version up to it as applied)", version: "1", name: "users", file: "V1__users.sql", appliedAt: null, state: "would-record" },
        { entry: "flyway_schema_history installed_rank 2 (version 2)", version: "2", name: "orders", file: "V2__orders.sql", appliedAt: "2024-02-01T10:00:00.000Z", state: "would-record" },
      ],
      reverted: [],
      repeatable: ["flyway_schema_history installed_rank 3 (repeatable R__views.sql)"],
      pending: ["3_items"],
    });
    expect(lines).toEqual([
      "read flyway_schema_history (flyway)",
      "  flyway_schema_history installed_rank 1 (baseline 1.1: Flyway counts every version up to it as applied) → V1__users.sql → would be recorded as applied",
      "  flyway_schema_history installed_rank 2 (version 2) → V2__orders.sql → would be recorded as applied (applied 2024-02-01T10:00:00.000Z)",
      "  flyway_schema_history installed_rank 3 (repeatable R__views.sql) → a repeatable migration: not adopted (Stratum keeps no repeatable migrations; what it created stays in the database)",
      "still pending (not in flyway's history): 3_items",
      "dry run: nothing was changed; run the same command without --dry-run to record 2 migrations",
    ]);
  });
});
