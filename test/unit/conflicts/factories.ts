// Builders for conflict tests: `sql("002_add_email", "alter table users add email text", ["001"])`.

import type { TableUse } from "../../../src/core/conflicts.js";
import type { MigrationFile } from "../../../src/core/types.js";

function split(id: string): { version: string; name: string } {
  const m = /^(\d+(?:\.\d+)*)_(.+)$/.exec(id);
  if (m === null) throw new Error(`test id must look like 003_name, got ${id}`);
  return { version: m[1] as string, name: m[2] as string };
}

/** An SQL migration `<id>.sql` whose up section is `up`. */
export function sql(id: string, up: string | null, dependsOn: readonly string[] = []): MigrationFile {
  const { version, name } = split(id);
  const file = `${id}.sql`;
  return {
    version,
    name,
    id,
    kind: "sql",
    files: [file],
    path: `/project/migrations/${file}`,
    checksum: `sum-${id}`,
    up: up === null ? null : { file, text: up, startLine: 2 },
    down: null,
    verify: null,
    options: { dependsOn, irreversible: false, requires: [] },
  };
}

/** A code migration `<id>.ts`, declaring `tables` when given. */
export function code(id: string, tables?: readonly string[], dependsOn: readonly string[] = []): MigrationFile {
  const { version, name } = split(id);
  const file = `${id}.ts`;
  return {
    version,
    name,
    id,
    kind: "code",
    files: [file],
    path: `/project/migrations/${file}`,
    checksum: `sum-${id}`,
    up: null,
    down: null,
    verify: null,
    options: { dependsOn, irreversible: false, requires: [], ...(tables === undefined ? {} : { tables }) },
  };
}

/** A table use with only the given kinds filled in. */
export function use(partial: Partial<TableUse>): TableUse {
  return { creates: [], alters: [], drops: [], writes: [], reads: [], ...partial };
}

/** A zero-padded version: `pad(7)` → `0007`. */
export function pad(n: number, width = 5): string {
  return String(n).padStart(width, "0");
}
