// Another tool's migrations directory, read as it is: the files and their bytes stay unchanged,
// so checksums stay stable and the other tool can still run them. A layout turns a directory
// listing into migration units; discovery (discover.ts) turns units into MigrationFiles (one
// checksum over the unit's files' texts, in `files` order) exactly as it does for Stratum's own.

import type { Problem } from "../../core/types.js";

/** The layouts Stratum reads. `stratum` is its own (`<version>_<name>[.up|.down].sql`, code files). */
export type LayoutName =
  | "stratum"
  | "golang-migrate"
  | "dbmate"
  | "goose"
  | "flyway"
  | "node-pg-migrate"
  | "prisma"
  | "drizzle"
  | "sqitch";

/** One file of the directory (recursively, relative paths with `/`), read as UTF-8 once. */
export interface ListedFile {
  /** Relative to the migrations directory, `/`-separated, e.g. `20240101_init/migration.sql`. */
  readonly path: string;
  /** Text; `null` for files the layout did not ask to read (see `Layout.wants`). */
  readonly text: string | null;
}

/** A section of SQL inside a file: what becomes a SqlScript. */
export interface UnitScript {
  /** Relative path, as in ListedFile. */
  readonly file: string;
  readonly text: string;
  /** 1-based line in `file` of the first line of `text`. */
  readonly startLine: number;
  /** Explicit statement boundaries the file marks (goose StatementBegin/End, drizzle breakpoints). */
  readonly statements?: readonly { readonly text: string; readonly line: number; readonly offset: number }[];
}

/** One migration as a layout sees it. */
export interface LayoutUnit {
  /**
   * The version as written (`001`, `20240105120000`, Flyway `1.1` or `2024.01.05.1`, Flyway's
   * `1_1` is given as written too). Compared part by part by core/version.ts.
   */
  readonly version: string;
  /** A slug-like name (`create_users`); derived from the file or folder name. */
  readonly name: string;
  /** The files the checksum covers, in order (relative paths). */
  readonly files: readonly string[];
  readonly up: UnitScript | null;
  /** `null`: no down at all (irreversible). A script whose text holds no SQL: an explicit no-op down. */
  readonly down: UnitScript | null;
  readonly verify: UnitScript | null;
  /** From the tool's own markers (`-- +goose NO TRANSACTION`, `-- migrate:up transaction:false`). */
  readonly transaction?: boolean;
  readonly downTransaction?: boolean;
  /** Dependencies (Sqitch's plan), as versions or ids of other units. */
  readonly dependsOn?: readonly string[];
  /**
   * What to add for a rollback when there is no down, in the tool's words (Flyway: "an undo file
   * sql/U1.2__x.sql"); unset: Stratum's own wording (a `-- migrate:down` section or `.down.sql`).
   */
  readonly downHint?: string;
  /**
   * Other keys the tool's history knows this migration by (drizzle's journal `when`, which its
   * table stores as `created_at`), so `adopt` can match an entry to its file without guessing.
   */
  readonly aliases?: readonly string[];
  /** Where the unit's own Stratum directives may be read (`-- stratum:` lines), if anywhere. */
  readonly directivesFrom?: UnitScript;
}

export interface LayoutResult {
  readonly units: readonly LayoutUnit[];
  readonly problems: readonly Problem[];
}

export interface Layout {
  readonly name: LayoutName;
  /** Whether a directory with these relative paths looks like this tool's (used when `format` is not set). */
  detect(paths: readonly string[]): boolean;
  /** Which of the listed paths must be read (the rest are listed with `text: null`). */
  wants(path: string): boolean;
  /**
   * Units from the listing. `dialect` is the target's dialect name (`postgres`, `mysql`,
   * `sqlite`): per-dialect variants (`001_x.postgres.up.sql`) are chosen by it.
   */
  read(files: readonly ListedFile[], dialect: string): LayoutResult;
}
