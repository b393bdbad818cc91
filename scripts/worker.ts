// `npm run worker`: the job worker alone. Several can share one database;
// the queue gives each job step to one of them at a time.
import { launchEnv } from "../server/env";
import { takeOverShutdownSignals } from "../server/launch/signals";
import { ensureAuthSecret, openDatabase } from "../server/launch/bootstrap";

async function main(): Promise<void> {
  const settings = launchEnv();
  // Until the worker runs there is nothing to finish: a signal just exits.
  let stop = (): Promise<void> => process.exit(0);
  takeOverShutdownSignals(() => void stop());
  const database = await openDatabase();
  await ensureAuthSecret();
  // Without OPENAI_API_KEY: a front of the local sandbox over the shared state, so this worker follows the same provider jobs as `npm start`.
  const { launchSandbox } = await import("../server/provider/sandbox/launch");
  const sandbox = process.env.OPENAI_API_KEY ? null : await launchSandbox({ databaseUrl: database.url });
  const { db } = await import("../server/db");
  const { provider } = await import("../server/provider");
  const { startWorker } = await import("../server/worker/runner");
  const { stopQueue } = await import("../server/worker/queue");
  const concurrency = settings.WORKER_CONCURRENCY;
  const worker = await startWorker({ db: db(), provider: provider(), concurrency, pollMs: settings.WORKER_POLL_MS });
  // Only when asked for: `npm start` on the same machine already serves the default port.
  const { startProcessMetrics } = await import("../server/telemetry/server");
  const metricsServer = process.env.METRICS_PORT
    ? await startProcessMetrics({ port: settings.METRICS_PORT, host: settings.METRICS_HOST, db: db() })
    : null;
  console.log(`Worker ${process.pid} running (concurrency ${concurrency})`);
  stop = async () => {
    await worker.stop({ timeoutMs: settings.SHUTDOWN_TIMEOUT_MS });
    await metricsServer?.close();
    await stopQueue();
    await sandbox?.close();
    await database.stop();
    process.exit(0);
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
