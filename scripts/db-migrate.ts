// `npm run db:migrate`: applies pending migrations in prisma/migrations.
// Uses DATABASE_URL when set; otherwise the embedded Postgres in DATA_DIR/postgres
// (started for the run and stopped afterwards, or the running app's).
import path from "node:path";
import { dataDir, ROOT } from "../server/launch/bootstrap";
import { startEmbeddedPostgres, stopOnExit } from "../server/launch/embedded";
import { applyMigrations } from "../server/launch/migrate";

async function main(): Promise<void> {
  const fromEnv = process.env.DATABASE_URL;
  const embedded = fromEnv ? null : await startEmbeddedPostgres({ dataDir: path.join(dataDir(), "postgres") });
  const release = embedded ? stopOnExit(embedded) : () => {};
  try {
    const databaseUrl = fromEnv ?? embedded?.url;
    if (!databaseUrl) throw new Error("no database URL");
    console.log(`Migrating ${fromEnv ? "DATABASE_URL" : `embedded Postgres (${path.relative(ROOT, path.join(dataDir(), "postgres"))})`}`);
    const { applied } = await applyMigrations({ databaseUrl });
    console.log(applied.length ? `Applied:\n${applied.map((name) => `  ${name}`).join("\n")}` : "No pending migrations.");
  } finally {
    await embedded?.stop();
    release();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
