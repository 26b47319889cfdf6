// What a destructive operation on a protected environment asks to be confirmed, in the words the
// question shows: `Roll back 3 migrations on production (…)?`.

/** `005_add_orders` (a name that already starts with its version is not repeated). */
function migrationLabel(version: string, name: string | null | undefined): string {
  if (name === null || name === undefined || name === "") return version;
  return name.startsWith(`${version}_`) ? name : `${version}_${name}`;
}

/** `roll back 3 migrations`, `roll back 1 migration (005_add_orders)`. */
export function rollbackAction(steps: readonly { readonly version: string; readonly name: string }[]): string {
  const first = steps[0];
  if (steps.length === 1 && first !== undefined) return `roll back 1 migration (${migrationLabel(first.version, first.name)})`;
  return `roll back ${steps.length} ${steps.length === 1 ? "migration" : "migrations"}`;
}

export function redoAction(last: { readonly version: string; readonly name: string }): string {
  return `redo ${migrationLabel(last.version, last.name)} (roll it back and apply it again)`;
}

export function repairAction(removeMissing: boolean): string {
  return removeMissing
    ? "repair the migration history (re-record changed checksums and delete the rows of missing files)"
    : "repair the migration history (re-record changed checksums)";
}

export function resolveAction(version: string, outcome: "applied" | "rolled-back"): string {
  return `mark ${version} as ${outcome === "applied" ? "applied" : "rolled back"}`;
}

export function baselineAction(version: string): string {
  return `baseline at version ${version} (record every migration up to it as applied without running it)`;
}
