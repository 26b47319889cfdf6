import type { ServerInfo } from "./server-info.js";
import type { MigrationFile, Problem, Requirement } from "./types.js";

function compareDotted(a: string, b: string): number {
  const x = a.split(/[.\-]/).map((part) => Number.parseInt(part, 10) || 0);
  const y = b.split(/[.\-]/).map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function holds(requirement: Requirement, server: ServerInfo): boolean {
  const sameFamily =
    requirement.dialect === server.flavor ||
    // `mysql>=8` speaks of MySQL only; a MariaDB server does not meet it, and the reverse.
    (requirement.dialect === "postgres" && server.flavor === "postgres");
  if (!sameFamily) return false;
  const c = compareDotted(server.version, requirement.version);
  switch (requirement.op) {
    case ">=":
      return c >= 0;
    case ">":
      return c > 0;
    case "<=":
      return c <= 0;
    case "<":
      return c < 0;
    case "=":
      return c === 0;
  }
}

/**
 * Requirements of the migrations about to run that the server does not meet. A migration's
 * requirements are alternatives per database family: `requires postgres>=13` together with
 * `requires mysql>=8` means it runs on either; requirements naming another family are ignored
 * unless none names this server's family.
 */
export function unmetRequirements(migrations: readonly MigrationFile[], server: ServerInfo): Problem[] {
  const problems: Problem[] = [];
  for (const migration of migrations) {
    const requirements = migration.options.requires;
    if (requirements.length === 0) continue;
    const mine = requirements.filter((r) => r.dialect === server.flavor);
    const failing = mine.length > 0 ? mine.filter((r) => !holds(r, server)) : requirements;
    if (failing.length === 0) continue;
    const wanted = failing.map((r) => `${r.dialect}${r.op}${r.version}`).join(", ");
    problems.push({
      code: "UNMET_REQUIREMENT",
      message: `${failing.map((r) => r.source).join(", ")}: migration ${migration.id} requires ${wanted}, but the server is ${server.flavor} ${server.version}`,
      files: failing.map((r) => r.source),
      fix: "run it on a server that meets the requirement, or change the `stratum:requires` line",
      severity: "error",
      versions: [migration.version],
    });
  }
  return problems;
}
