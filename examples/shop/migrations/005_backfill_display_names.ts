// A data migration in TypeScript: add users.display_name and backfill it in keyset batches.
import type { MigrationContext } from "stratumdb";

export const description = "Add users.display_name and fill it from first and last names";

export async function up(ctx: MigrationContext): Promise<void> {
  if (!(await ctx.columnExists("users", "display_name"))) {
    await ctx.sql("ALTER TABLE users ADD COLUMN display_name TEXT");
  }
  const counted = await ctx.sql<{ total: number }>("SELECT count(*) AS total FROM users");
  const total = counted[0]?.total ?? 0;
  const done = await ctx.batch<{ id: number; first_name: string; last_name: string }>({
    label: "users.display_name",
    size: 500,
    total,
    fetch: (after, size) =>
      ctx.sql("SELECT id, first_name, last_name FROM users WHERE id > ? ORDER BY id LIMIT ?", [after ?? 0, size]),
    key: (row) => row.id,
    process: async (rows) => {
      for (const row of rows) {
        await ctx.sql("UPDATE users SET display_name = ? WHERE id = ?", [`${row.first_name} ${row.last_name}`, row.id]);
      }
    },
  });
  ctx.log.info(`backfilled ${done} users`);
}

export async function after(ctx: MigrationContext): Promise<boolean | string> {
  const rows = await ctx.sql<{ missing: number }>("SELECT count(*) AS missing FROM users WHERE display_name IS NULL");
  const missing = rows[0]?.missing ?? 0;
  return missing === 0 || `${missing} users have no display_name`;
}

export async function down(ctx: MigrationContext): Promise<void> {
  await ctx.sql("ALTER TABLE users DROP COLUMN display_name");
}
