import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Project {
  readonly dir: string;
  readonly migrations: string;
  /** Writes (or overwrites) a file relative to the project directory. */
  write(path: string, text: string): void;
  /** Writes a migration file into migrations/. */
  migration(name: string, text: string): void;
  remove(path: string): void;
  cleanup(): void;
}

/** A temporary project directory with a migrations/ folder and the given migration files. */
export function makeProject(migrations: Readonly<Record<string, string>> = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), "stratum-test-"));
  const migrationsDir = join(dir, "migrations");
  mkdirSync(migrationsDir);
  const write = (path: string, text: string) => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  for (const [name, text] of Object.entries(migrations)) write(join("migrations", name), text);
  return {
    dir,
    migrations: migrationsDir,
    write,
    migration: (name, text) => write(join("migrations", name), text),
    remove: (path) => rmSync(join(dir, path), { force: true }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
