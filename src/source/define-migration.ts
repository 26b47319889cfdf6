import type { MigrationDefinition } from "../core/context.js";

/**
 * Marks an object made by `defineMigration`. A registered symbol, so a definition made by
 * another copy of Stratum (a project's local install beside a global CLI) is recognised too.
 */
export const MIGRATION_BRAND: unique symbol = Symbol.for("stratum.migration");

/**
 * Declares a code migration with types:
 * `export default defineMigration({ dependsOn: ["003"], async up(ctx) { … }, async down(ctx) { … } })`.
 * Returns the definition unchanged apart from a hidden brand the loader recognises.
 */
export function defineMigration(def: MigrationDefinition): MigrationDefinition {
  if (!Object.isExtensible(def) || MIGRATION_BRAND in def) return def;
  Object.defineProperty(def, MIGRATION_BRAND, { value: true, enumerable: false });
  return def;
}

/** Whether a value came from `defineMigration`. */
export function isDefinedMigration(value: unknown): value is MigrationDefinition {
  return typeof value === "object" && value !== null && MIGRATION_BRAND in value;
}
