// Random SQL scripts for the property and differential tests: statement lists built from safe
// pieces (strings holding quotes and semicolons, comments, dollar quotes, quoted identifiers,
// trigger and routine bodies), with the statements each script must split into.

import type { DialectName } from "../../../src/core/types.js";
import { seededRandom, type Random } from "../../support/seeded-random.js";

export interface ExpectedStatement {
  readonly text: string;
  readonly line: number;
}

export interface GeneratedScript {
  readonly sql: string;
  readonly expected: readonly ExpectedStatement[];
  /** MySQL: the script uses a DELIMITER other than `;`. */
  readonly delimiter: string;
}

const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Random, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
const repeat = (rng: Random, min: number, max: number, piece: () => string, sep = ""): string =>
  Array.from({ length: int(rng, min, max) }, piece).join(sep);

/** Monotonic counter for unique object names within one generator. */
interface Names {
  next(prefix: string): string;
}

function names(): Names {
  let n = 0;
  return { next: (prefix) => `${prefix}${++n}` };
}

// ---------------------------------------------------------------------------------------------
// Pieces per dialect

interface DialectPieces {
  expression(rng: Random, depth: number): string;
  /** An expression, sometimes with a quoted alias. */
  item(rng: Random): string;
  statement(rng: Random, names: Names): string;
  leadingComment(rng: Random): string;
}

const COMMON_TEXT = ["a", "b", ";", ";;", " ", "--", "é", "日本", "x y", "\n", "0"];

function content(rng: Random, pieces: readonly string[], max = 6): string {
  return repeat(rng, 0, max, () => pick(rng, pieces));
}

function postgresDollar(rng: Random): string {
  const tag = pick(rng, ["", "", "t", "tag", "_x1", "é", "T2"]);
  const delimiter = `$${tag}$`;
  for (;;) {
    const body = content(rng, [...COMMON_TEXT, "'", '"', "$", "$$", "$t$", "/*", "*/", "\\", "$1", "x$"]);
    if ((body + delimiter).indexOf(delimiter) === body.length) return `${delimiter}${body}${delimiter}`;
  }
}

function postgresBlockComment(rng: Random, depth = 0): string {
  const inner = content(rng, [...COMMON_TEXT, "'", '"', "$$", "$t$", "\\"], 4);
  const nested = depth < 2 && rng() < 0.3 ? ` ${postgresBlockComment(rng, depth + 1)} ` : "";
  return `/*${inner}${nested}${content(rng, COMMON_TEXT, 2)}*/`;
}

/** `-- …` and a newline; MySQL needs whitespace after the dashes. */
function lineComment(rng: Random, extra: readonly string[], mysqlStyle = false): string {
  const pieces = [...COMMON_TEXT.filter((p) => p !== "\n"), ...extra];
  const after = mysqlStyle ? pick(rng, [" ", "\t"]) : pick(rng, [" ", "", "-"]);
  return `--${after}${content(rng, pieces, 5)}\n`;
}

const postgres: DialectPieces = {
  expression(rng, depth) {
    const choice = int(rng, 0, depth > 2 ? 9 : 13);
    switch (choice) {
      case 0:
        return String(int(rng, 0, 1000));
      case 1:
        return `'${content(rng, [...COMMON_TEXT, "''", '"', "$$", "$t$", "/*", "*/", "\\", "`", "[", "#"])}'`;
      case 2:
        return `${pick(rng, ["E", "e"])}'${content(rng, [...COMMON_TEXT, "\\'", "''", "\\\\", "\\n", '"', "$$", "/*", "*/"])}'`;
      case 3:
        return postgresDollar(rng);
      case 4:
        return `"${content(rng, [...COMMON_TEXT, '""', "'", "$$", "/*", "*/", "\\"]) || "c"}".x`;
      case 5:
        return `${postgresBlockComment(rng)} ${int(rng, 0, 9)}`;
      case 6:
        return `${lineComment(rng, ["'", '"', "$$", "/*", "*/"])}${int(rng, 0, 9)}`;
      case 7:
        return `$${int(rng, 1, 9)}`;
      case 8:
        return `x$y${pick(rng, ["", "$", "$$z"])}`;
      case 9:
        return `${int(rng, 0, 9)}${postgresBlockComment(rng)}`;
      case 10:
        return `(${postgres.expression(rng, depth + 1)})`;
      case 11:
        return `CASE WHEN ${postgres.expression(rng, depth + 1)} IS NULL THEN ${postgres.expression(rng, depth + 1)} ELSE 0 END`;
      case 12:
        return `ARRAY[${postgres.expression(rng, depth + 1)}, ${postgres.expression(rng, depth + 1)}]`;
      default:
        return `coalesce(${postgres.expression(rng, depth + 1)}, ${postgres.expression(rng, depth + 1)})`;
    }
  },
  item(rng) {
    const expression = postgres.expression(rng, 0);
    return rng() < 0.3 ? `${expression} AS "${content(rng, [...COMMON_TEXT, '""', "'", "$$", "/*", "*/", "\\"]) || "c"}"` : expression;
  },
  statement(rng, n) {
    const expressions = (): string => repeat(rng, 1, 4, () => postgres.item(rng), ", ");
    switch (int(rng, 0, 9)) {
      case 0:
        return `CREATE FUNCTION ${n.next("f")}() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT ${expressions()}; SELECT CASE WHEN true THEN 1 ELSE 2 END; END`;
      case 1:
        return `CREATE OR REPLACE PROCEDURE ${n.next("p")}(a int) LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (${postgres.expression(rng, 0)}); SELECT t.end AS begin FROM t; END`;
      case 2:
        return `DO $do$ BEGIN PERFORM ${expressions()}; END $do$`;
      case 3:
        return `CREATE RULE ${n.next("r")} AS ON INSERT TO t DO ALSO (SELECT ${expressions()}; SELECT 1)`;
      case 4:
        return `INSERT INTO "t;x" ("a""b", c) VALUES (${postgres.expression(rng, 0)}, ${postgres.expression(rng, 0)})`;
      case 5:
        return `CREATE FUNCTION ${n.next("g")}() RETURNS text LANGUAGE plpgsql AS ${postgresDollar(rng)}`;
      default:
        return `SELECT ${expressions()}`;
    }
  },
  leadingComment(rng) {
    return rng() < 0.5 ? lineComment(rng, ["'", "/*"]) : `${postgresBlockComment(rng)}${pick(rng, [" ", "\n", ""])}`;
  },
};

function plainBlockComment(rng: Random, extra: readonly string[]): string {
  return `/*${content(rng, [...COMMON_TEXT, "'", '"', "`", "[", "$$", ...extra], 5)}*/`;
}

const sqlite: DialectPieces = {
  expression(rng, depth) {
    switch (int(rng, 0, depth > 2 ? 8 : 11)) {
      case 0:
        return String(int(rng, 0, 1000));
      case 1:
        return `'${content(rng, [...COMMON_TEXT, "''", '"', "`", "[", "]", "$$", "/*", "*/", "\\"])}'`;
      case 2:
        return `CAST(${int(rng, 0, 9)} AS "${content(rng, [...COMMON_TEXT, '""', "'", "`", "[", "]", "/*", "\\"]) || "c"}")`;
      case 3:
        return `CAST(${int(rng, 0, 9)} AS [${content(rng, [...COMMON_TEXT, "'", '"', "`", "[", "/*", "--"]) || "c"}])`;
      case 4:
        return `CAST(${int(rng, 0, 9)} AS \`${content(rng, [...COMMON_TEXT, "``", "'", '"', "[", "]", "/*"]) || "c"}\`)`;
      case 5:
        return `${plainBlockComment(rng, [])} ${int(rng, 0, 9)}`;
      case 6:
        return `${lineComment(rng, ["'", '"', "/*", "*/", "[", "`"])}${int(rng, 0, 9)}`;
      case 7:
        return `x'${pick(rng, ["", "00", "3b3b", "ff"])}'`;
      case 8:
        return `${int(rng, 0, 9)} ${plainBlockComment(rng, [])}`;
      case 9:
        return `(${sqlite.expression(rng, depth + 1)})`;
      case 10:
        return `CASE WHEN ${sqlite.expression(rng, depth + 1)} THEN ${sqlite.expression(rng, depth + 1)} ELSE 0 END`;
      default:
        return `coalesce(${sqlite.expression(rng, depth + 1)}, ${sqlite.expression(rng, depth + 1)})`;
    }
  },
  item(rng) {
    const expression = sqlite.expression(rng, 0);
    switch (int(rng, 0, 5)) {
      case 0:
        return `${expression} AS "${content(rng, [...COMMON_TEXT, '""', "'", "`", "[", "]", "/*", "\\"]) || "c"}"`;
      case 1:
        return `${expression} AS [${content(rng, [...COMMON_TEXT, "'", '"', "`", "[", "/*", "--"]) || "c"}]`;
      case 2:
        return `${expression} AS \`${content(rng, [...COMMON_TEXT, "``", "'", '"', "[", "]", "/*"]) || "c"}\``;
      default:
        return expression;
    }
  },
  statement(rng, n) {
    const value = (): string => sqlite.expression(rng, 1);
    switch (int(rng, 0, 7)) {
      case 0:
        return `CREATE TRIGGER ${n.next("tr")} AFTER INSERT ON t BEGIN INSERT INTO u VALUES (${value()}); UPDATE u SET a = CASE WHEN new.a THEN ${value()} END; END`;
      case 1:
        return `CREATE TEMP TRIGGER IF NOT EXISTS ${n.next("tt")} BEFORE DELETE ON t WHEN old.a = ${value()} BEGIN SELECT CASE old.end WHEN 1 THEN RAISE(ABORT, 'no; way') END; DELETE FROM u WHERE a = old.a; END`;
      case 2:
        return `INSERT INTO u (a) VALUES (${value()})`;
      case 3:
        return pick(rng, ["BEGIN", "BEGIN TRANSACTION", "COMMIT", "END", "SAVEPOINT s"]);
      default:
        return `SELECT ${repeat(rng, 1, 4, () => sqlite.item(rng), ", ")}`;
    }
  },
  leadingComment(rng) {
    return rng() < 0.5 ? lineComment(rng, ["'", "/*", "[", "`"]) : `${plainBlockComment(rng, [])}${pick(rng, [" ", "\n", ""])}`;
  },
};

const mysqlStringPieces = [...COMMON_TEXT, "\\'", '\\"', "\\\\", "`", "$$", "//", "/*", "*/", "#", "\\n"];

const mysql: DialectPieces = {
  expression(rng, depth) {
    switch (int(rng, 0, depth > 2 ? 8 : 11)) {
      case 0:
        return String(int(rng, 0, 1000));
      case 1:
        return `'${content(rng, [...mysqlStringPieces, "''", '"'])}'`;
      case 2:
        return `"${content(rng, [...mysqlStringPieces, '""', "'"])}"`;
      case 3:
        return `CONCAT(${mysql.expression(rng, depth + 1)}, '')`;
      case 4:
        return `${plainBlockComment(rng, ["#", "--"])} ${int(rng, 0, 9)}`;
      case 5:
        return `${lineComment(rng, ["'", '"', "/*", "*/", "`"], true)}${int(rng, 0, 9)}`;
      case 6:
        return `#${content(rng, [...COMMON_TEXT.filter((p) => p !== "\n"), "'", "/*"])}\n${int(rng, 0, 9)}`;
      case 7:
        return `/*!99999 ${content(rng, [...COMMON_TEXT, "'", '"', "`"])} */ ${int(rng, 0, 9)}`;
      case 8:
        return `${int(rng, 0, 9)}--${int(rng, 0, 9)}`;
      case 9:
        return `IF(${mysql.expression(rng, depth + 1)}, 1, 2)`;
      case 10:
        return `CASE WHEN ${mysql.expression(rng, depth + 1)} THEN ${mysql.expression(rng, depth + 1)} ELSE 0 END`;
      default:
        return `(${mysql.expression(rng, depth + 1)})`;
    }
  },
  item(rng) {
    const expression = mysql.expression(rng, 0);
    const alias = content(rng, [...COMMON_TEXT.filter((p) => p !== "\n"), "``", "'", '"', "$$", "//", "#"]).trim();
    return rng() < 0.3 ? `${expression} AS \`${alias || "c"}\`` : expression;
  },
  statement(rng, n) {
    const value = (): string => mysql.expression(rng, 1);
    const inner = (): string =>
      pick(rng, [
        `SELECT ${value()};`,
        `SET v = ${value()};`,
        `IF v > 0 THEN SELECT ${value()}; ELSEIF v < 0 THEN SET v = 1; ELSE BEGIN END; END IF;`,
        `WHILE v < 0 DO SET v = v + 1; END WHILE;`,
        `REPEAT SET v = v + 1; UNTIL v > 0 END REPEAT;`,
        `CASE v WHEN 1 THEN SELECT 'one;'; ELSE SELECT ${value()}; END CASE;`,
        `SET v = CASE WHEN v THEN 1 ELSE 0 END;`,
      ]);
    switch (int(rng, 0, 8)) {
      case 0: {
        const label = n.next("l");
        return `CREATE PROCEDURE ${n.next("p")}() BEGIN DECLARE v INT DEFAULT 0; ${repeat(rng, 1, 3, inner, " ")} ${label}: LOOP LEAVE ${label}; END LOOP ${label}; END`;
      }
      case 1:
        return `CREATE DEFINER=CURRENT_USER FUNCTION ${n.next("f")}() RETURNS INT DETERMINISTIC BEGIN DECLARE v INT DEFAULT 0; ${inner()} RETURN IF(v > 0, 1, 2); END`;
      case 2:
        return `CREATE TRIGGER ${n.next("tr")} BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = ${value()}; IF NEW.a IS NULL THEN SET NEW.a = 0; END IF; END`;
      case 3:
        return `CREATE TRIGGER ${n.next("tr")} BEFORE UPDATE ON t FOR EACH ROW SET NEW.a = ${value()}`;
      case 4:
        return pick(rng, ["BEGIN", "BEGIN WORK", "COMMIT", "START TRANSACTION", "ROLLBACK"]);
      default:
        return `SELECT ${repeat(rng, 1, 4, () => mysql.item(rng), ", ")}`;
    }
  },
  leadingComment(rng) {
    switch (int(rng, 0, 2)) {
      case 0:
        return lineComment(rng, ["'", "/*"], true);
      case 1:
        return `#${content(rng, [";", "a", "'"])}\n`;
      default:
        return `${plainBlockComment(rng, ["#", "--"])}${pick(rng, [" ", "\n", ""])}`;
    }
  },
};

const PIECES: Record<DialectName, DialectPieces> = { postgres, sqlite, mysql };

/**
 * One script of 1–6 statements, separated by `;` and a newline (sometimes CRLF, blank lines,
 * leading comments, or stray empty statements), with or without a final semicolon. MySQL scripts
 * sometimes switch to `DELIMITER //` or `$$` first.
 */
export function generateScript(dialect: DialectName, rng: Random, objectNames: Names = names()): GeneratedScript {
  const pieces = PIECES[dialect];
  let sql = "";
  let line = 1;
  const expected: ExpectedStatement[] = [];
  const append = (text: string): void => {
    sql += text;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) line++;
  };
  const delimiter = dialect === "mysql" && rng() < 0.2 ? pick(rng, ["//", "$$", ";;"]) : ";";
  if (delimiter !== ";") append(`${pick(rng, ["DELIMITER", "delimiter"])} ${delimiter}\n`);
  const count = int(rng, 1, 6);
  let terminated = true;
  for (let i = 0; i < count; i++) {
    if (rng() < 0.3) append(repeat(rng, 1, 2, () => pieces.leadingComment(rng)));
    if (rng() < 0.2) append(pick(rng, ["\n", "  ", "\r\n", "\t"]));
    let text = pieces.statement(rng, objectNames);
    // A comment after the last token is not part of the statement's text.
    if (text.endsWith("*/")) text += " + 1";
    expected.push({ text, line });
    append(text);
    const last = i === count - 1;
    if (last && rng() < 0.3) {
      terminated = false;
      if (rng() < 0.3) append(pick(rng, ["\n", " -- end;\n", " /* end; */"]));
      break;
    }
    append(delimiter);
    if (delimiter === ";" && rng() < 0.1) append(pick(rng, [";", " ;", "\n;"]));
    append(pick(rng, ["\n", "\n", "\n", "\r\n", "\n\n", " "]));
  }
  if (delimiter !== ";" && terminated && rng() < 0.5) append(`DELIMITER ;\n`);
  return { sql, expected, delimiter };
}

/** `count` scripts from one seed. */
export function generateScripts(dialect: DialectName, seed: number, count: number): GeneratedScript[] {
  const rng = seededRandom(seed);
  const objectNames = names();
  return Array.from({ length: count }, () => generateScript(dialect, rng, objectNames));
}
