// The other tools' layouts Stratum reads, in the order detection tries them. Stratum's own layout
// is not listed here: discovery falls back to it when no listed layout claims the directory.
//
// Most specific first: a marker file (sqitch.plan, meta/_journal.json, migration_lock.toml or
// `<ts>_<name>/migration.sql`), then file names no Stratum directory can hold (Flyway's `V1__x.sql`,
// goose's `.go` migrations), then golang-migrate pairs whose titles Stratum's own names refuse.
// node-pg-migrate and dbmate never claim a directory by its paths (their names are Stratum's own):
// they are chosen with `format:`.

import { dbmateLayout } from "./dbmate.js";
import { drizzleLayout } from "./drizzle.js";
import { flywayLayout } from "./flyway.js";
import { golangMigrateLayout } from "./golang-migrate.js";
import { gooseLayout } from "./goose.js";
import type { Layout } from "./layout.js";
import { nodePgMigrateLayout } from "./node-pg-migrate.js";
import { prismaLayout } from "./prisma.js";
import { sqitchLayout } from "./sqitch.js";

export const foreignLayouts: readonly Layout[] = [
  sqitchLayout,
  drizzleLayout,
  prismaLayout,
  flywayLayout,
  gooseLayout,
  golangMigrateLayout,
  nodePgMigrateLayout,
  dbmateLayout,
];
