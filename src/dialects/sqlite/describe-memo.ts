// SQLite's catalog fingerprint (Dialect.catalogFingerprint): everything describeSchema says of a
// table, an index, a view or a trigger comes from its CREATE text in sqlite_master (the pragmas
// read it again), so the rows of sqlite_master and the library's version, hashed, change whenever
// the description can.

import { createHash } from "node:crypto";
import type { DescribeSchemaOptions, Queryable } from "../dialect.js";

export async function catalogFingerprint(db: Queryable, options: DescribeSchemaOptions = {}): Promise<string | null> {
  const excluded = new Set((options.exclude ?? []).map((t) => t.toLowerCase()));
  const rows = await db.query<{ type: string; name: string; tbl_name: string; sql: string | null }>(
    "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name",
  );
  const [version] = await db.query<{ v: string }>("select sqlite_version() as v");
  const hash = createHash("sha256").update(`${version?.v ?? ""}\u0002`);
  for (const row of rows) {
    if (excluded.has(row.tbl_name.toLowerCase()) || excluded.has(row.name.toLowerCase())) continue;
    hash.update(`${row.type}\u0001${row.name}\u0001${row.tbl_name}\u0001${row.sql ?? "\u0000"}\u0002`);
  }
  return hash.digest("hex");
}
