// `npm run db:migration -- NAME`: writes prisma/migrations/<timestamp>_NAME/
// for the changes to prisma/schema.prisma since the last migration. Needs no
// database (see server/launch/migrate.ts). Review the SQL before applying it.
import path from "node:path";
import { createMigration } from "../server/launch/migrate";

const root = path.resolve(import.meta.dirname, "..");

async function main(): Promise<void> {
  const name = process.argv.slice(2).join("_");
  if (!name) {
    console.error("Usage: npm run db:migration -- NAME   (e.g. add_job_tags)");
    process.exitCode = 2;
    return;
  }
  await createMigration({
    name,
    schemaPath: path.join(root, "prisma", "schema.prisma"),
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
