// What follows a run that applied or rolled back at least one migration, still under its lock:
// the schema snapshot drift compares with, and the schema file (issue 13).

import type { Engine } from "./ports.js";
import type { Session } from "./session.js";
import { recordSchemaSnapshot } from "./drift.js";
import { writeSchemaFile } from "./schema-file.js";

export async function afterSchemaChange(engine: Engine, session: Session): Promise<void> {
  // a shadow's history is thrown away with it: nothing for drift to compare with later
  if (engine.policy.recordSchema !== false) await recordSchemaSnapshot(engine, session.conn);
  await writeSchemaFile(engine, session.conn);
}
