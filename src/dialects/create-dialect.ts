import { readFileSync } from "node:fs";
import { ConfigError } from "../core/errors.js";
import type { Dialect } from "./dialect.js";
import type { DialectTarget } from "./module.js";
import { displayUrl, parseWithModule } from "./registry.js";

export type { DialectTarget } from "./module.js";

/** Builds the dialect for a URL; its implementation and driver load only now (see the registry). */
export async function createDialect(target: DialectTarget): Promise<Dialect> {
  const { module, parsed } = parseWithModule(target.url);
  const filePassword = target.passwordFile === undefined ? undefined : readPasswordFile(target.passwordFile);
  return module.create(parsed, { ...target, displayUrl: displayUrl(target.url), filePassword });
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new ConfigError(`cannot read the password file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`, {
      key: "passwordFile",
      fix: "check the passwordFile setting and the file's permissions",
    });
  }
}
