// PostgreSQL sections are parsed once (parse-tree-tables.ts rememberSection): each statement's
// tables and lint hits must be what parsing it alone gives, including where the one parse cannot
// be used (a statement the parser rejects, non-ASCII text, comments between statements).

import { beforeAll, describe, expect, it } from "vitest";
import { postgresSql, postgresTables } from "../../../src/dialects/postgres/sql/postgres-sql.js";

beforeAll(async () => {
  await postgresSql.load?.();
});

const SECTIONS = [
  "CREATE TABLE a_s1 (id int);\n-- between\nINSERT INTO a_s1 SELECT id FROM b_s1;\nCREATE INDEX ON a_s1 (id);\n",
  "ALTER TABLE u_s2 ADD COLUMN n int;\n/* block */ UPDATE u_s2 SET n = 1;\nDROP TABLE v_s2;",
  "CREATE TABLE é_s3 (id int);\nINSERT INTO é_s3 VALUES (1);\n",
  "CREATE TABLE c_s4 (id int);\nTHIS IS NOT SQL;\nDELETE FROM c_s4;\n",
  "CREATE FUNCTION f_s5() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT f_s5() FROM d_s5;\n",
];

describe("one parse per PostgreSQL section", () => {
  it.each(SECTIONS.map((s, i) => [i, s] as const))("section %i: each statement's tables as when parsed alone", (_i, text) => {
    const facts = postgresSql.analyse(text);
    const fromSection = facts.statements.map((s) => s.tables);
    // each statement parsed on its own (a trailing newline: another cache key, so a parse of its own)
    const alone = facts.statements.map((s) => postgresTables(`${s.text}\n`));
    expect(fromSection).toEqual(alone);
    expect(fromSection.some((t) => t.creates.length + t.writes.length + t.reads.length + t.drops.length + t.alters.length > 0)).toBe(true);
  });
});
