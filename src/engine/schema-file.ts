// The schema file: `stratum schema dump` / `schema load`, and its rewrite after every run (issue 13).

import type { SchemaDumpOptions, SchemaDumpResult, SchemaLoadOptions, SchemaLoadResult } from "../api-types.js";
import type { Connection } from "../dialects/dialect.js";
import type { Engine } from "./ports.js";

export async function dumpSchema(engine: Engine, options: SchemaDumpOptions = {}): Promise<SchemaDumpResult> {
  void engine;
  void options;
  throw new Error("schema dump: not yet built");
}

export async function loadSchema(engine: Engine, options: SchemaLoadOptions = {}): Promise<SchemaLoadResult> {
  void engine;
  void options;
  throw new Error("schema load: not yet built");
}

/** After a run that changed the schema: rewrites `schemaFile` when it is configured. */
export async function writeSchemaFile(engine: Engine, conn: Connection): Promise<void> {
  void engine;
  void conn;
}
