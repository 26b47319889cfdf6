// The other tools' history readers, one per tool (see ../foreign-history.ts).

import type { ForeignHistoryReader } from "../foreign-history.js";
import { atlasReader } from "./atlas.js";
import { dbmateReader } from "./dbmate.js";
import { drizzleReader } from "./drizzle.js";
import { flywayReader } from "./flyway.js";
import { golangMigrateReader } from "./golang-migrate.js";
import { gooseReader } from "./goose.js";
import { knexReader } from "./knex.js";
import { kyselyReader } from "./kysely.js";
import { nodePgMigrateReader } from "./node-pg-migrate.js";
import { postgratorReader } from "./postgrator.js";
import { prismaReader } from "./prisma.js";
import { sequelizeReader } from "./sequelize.js";
import { sqitchReader } from "./sqitch.js";
import { typeormReader } from "./typeorm.js";

export const foreignReaders: readonly ForeignHistoryReader[] = [
  flywayReader,
  golangMigrateReader,
  dbmateReader,
  gooseReader,
  knexReader,
  nodePgMigrateReader,
  kyselyReader,
  prismaReader,
  drizzleReader,
  sqitchReader,
  typeormReader,
  sequelizeReader,
  postgratorReader,
  atlasReader,
];

/** The reader of one tool; undefined for a tool without one. */
export function foreignReaderFor(tool: ForeignHistoryReader["tool"]): ForeignHistoryReader | undefined {
  return foreignReaders.find((r) => r.tool === tool);
}
