// `npm run worker`: the job worker alone. Several can share one database;
// the queue gives each job step to one of them at a time.
import { ensureAuthSecret, openDatabase } from "../server/launch/bootstrap";

async function main(): Promise<void> {
  const database = await openDatabase();
  await ensureAuthSecret();
  const { db } = await import("../server/db");
  const { provider } = await import("../server/provider");
  const { startWorker } = await import("../server/worker/runner");
  const { stopQueue } = await import("../server/worker/queue");
  const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 4);
  const worker = await startWorker({ db: db(), provider: provider(), concurrency, pollMs: Number(process.env.WORKER_POLL_MS ?? 1_000) });
  console.log(`Worker ${process.pid} running (concurrency ${concurrency})`);
  const stop = async () => {
    await worker.stop();
    await stopQueue();
    await database.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
