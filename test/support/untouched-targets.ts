// One target database per dialect, shared by a file's cases, for commands that only read the
// target (verify reads the server's version from it and migrates a shadow database of its own):
// made on first use, and, once every case of the file is done, checked to hold no table (the
// command never migrated it) and dropped.
import { afterAll, expect } from "vitest";
import type { Target, TestDb } from "./targets.js";

/** The file's target database for `target`'s dialect; registers the check and drop after all cases. */
export function untouchedTargets(): (target: Target) => Promise<TestDb> {
  const dbs = new Map<Target["name"], Promise<TestDb>>();
  afterAll(async () => {
    for (const pending of dbs.values()) {
      const db = await pending;
      const tables = await db.tables();
      await db.drop();
      // never migrated
      expect(tables).toEqual([]);
    }
  });
  return (target) => {
    let db = dbs.get(target.name);
    if (db === undefined) dbs.set(target.name, (db = target.createDatabase()));
    return db;
  };
}
