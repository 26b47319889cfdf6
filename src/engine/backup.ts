import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { BackupError } from "../core/errors.js";
import type { Dialect } from "../dialects/dialect.js";
import type { Engine } from "./ports.js";

/** Writes a backup into the backup directory; returns its path. */
export async function takeBackup(engine: Engine): Promise<string> {
  const { dialect } = engine.target;
  if (!dialect.backup) throw new BackupError(`backups are not supported for ${dialect.name}`);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  await mkdir(engine.policy.backupDir, { recursive: true, mode: 0o700 });
  return dialect.backup(join(engine.policy.backupDir, `stratum-${stamp}.${backupExtension(dialect)}`));
}

/**
 * The backup file's extension. Dialect knowledge outside src/dialects: to be replaced by the
 * dialect's own `backupExtension` once it has one.
 */
export function backupExtension(dialect: Pick<Dialect, "name">): string {
  return dialect.name === "sqlite" ? "db" : dialect.name === "postgres" ? "dump" : "sql";
}
