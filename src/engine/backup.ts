import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { BackupError } from "../core/errors.js";
import type { Engine } from "./ports.js";

/** Writes a backup into the backup directory; returns its path. */
export async function takeBackup(engine: Engine): Promise<string> {
  const { dialect } = engine.target;
  if (!dialect.capabilities.backup) throw new BackupError(`backups are not supported for ${dialect.name}`);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  await mkdir(engine.policy.backupDir, { recursive: true, mode: 0o700 });
  return dialect.backup!(join(engine.policy.backupDir, `stratum-${stamp}.${dialect.backupExtension}`));
}
