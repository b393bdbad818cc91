// `npm run db:seed`: demo data into the configured database (only if it has no connections yet).
import { ensureAuthSecret, migrate, openDatabase } from "../server/launch/bootstrap";

async function main(): Promise<void> {
  const database = await openDatabase();
  try {
    await migrate(database.url);
    await ensureAuthSecret();
    const { db } = await import("../server/db");
    const { seedDemoData } = await import("../server/seed");
    const { stopQueue } = await import("../server/worker/queue");
    const seeded = await seedDemoData({ db: db() });
    console.log(seeded ? "Seeded demo data." : "The database already has connections; nothing seeded.");
    await stopQueue();
    await db().$disconnect();
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
