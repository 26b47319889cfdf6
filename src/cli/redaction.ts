// Which strings must never be printed: passwords in URLs (from flags, the environment, the resolved
// configuration), the content of the configured password file, PGPASSWORD and MYSQL_PWD.

import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

const PASSWORD_VARIABLES = ["PGPASSWORD", "MYSQL_PWD", "STRATUM_PASSWORD"] as const;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The password forms a URL carries: the user-info password (as written and decoded) and any
 * `password=` parameter. Works on text `new URL` rejects, e.g. a password with an unescaped `@`.
 */
export function urlSecrets(url: string): string[] {
  const found = new Set<string>();
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") {
      found.add(parsed.password);
      found.add(decoded(parsed.password));
    }
    for (const key of ["password", "pass", "pwd"]) {
      const value = parsed.searchParams.get(key);
      if (value !== null && value !== "") found.add(value);
    }
  } catch {
    // not a URL the WHATWG parser accepts; the patterns below still apply
  }
  // scheme://user:password@host — the password runs to the last `@` before the path
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:(.*)@[^@/?#]*(?:[/?#].*)?$/is.exec(url);
  if (userInfo?.[1] !== undefined && userInfo[1] !== "") {
    found.add(userInfo[1]);
    found.add(decoded(userInfo[1]));
  }
  for (const match of url.matchAll(/(?:^|[?&;\s])(?:password|pass|pwd)=([^&;\s]+)/gi)) {
    const value = match[1];
    if (value !== undefined && value !== "") {
      found.add(value);
      found.add(decoded(value));
    }
  }
  return [...found].filter((s) => s !== "");
}

/** Password variables, and the password of every URL-shaped environment value. */
export function environmentSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  const found: string[] = [];
  for (const name of PASSWORD_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== "") found.push(value);
  }
  for (const value of Object.values(env)) {
    if (value !== undefined && value.includes("://")) found.push(...urlSecrets(value));
  }
  return found;
}

/** Passwords given on the command line, before any parsing (so even usage errors are clean). */
export function argvSecrets(argv: readonly string[]): string[] {
  const found: string[] = [];
  for (const arg of argv) {
    if (arg.includes("://") || /password=/i.test(arg)) {
      const value = arg.startsWith("--") && arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : arg;
      found.push(...urlSecrets(value));
    }
  }
  return found;
}

/** The content of the password file, as read and trimmed of its line ending; nothing if unreadable. */
export async function passwordFileSecrets(path: string | undefined, cwd: string): Promise<string[]> {
  if (path === undefined || path === "") return [];
  try {
    const content = await readFile(isAbsolute(path) ? path : resolve(cwd, path), "utf8");
    const trimmed = content.replace(/\r?\n$/, "");
    return [...new Set([content, trimmed, trimmed.trim()])].filter((s) => s.trim() !== "");
  } catch {
    return [];
  }
}

/**
 * A plain secret filter used only when the library's redactor cannot be loaded: each secret, and
 * its percent-encoded form, becomes `***` (longest first, so overlapping secrets stay hidden).
 */
export function fallbackRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === "") continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((result, form) => result.split(form).join("***"), text);
}
