// `npm run worker`: the job worker alone. Several can share one database;
// the queue gives each job step to one of them at a time.
import { launchEnv } from "../server/env";
import { guardLogStreams } from "../server/launch/log-streams";
import { tolerateUndiciCloseRace } from "../server/launch/known-races";
import { takeOverShutdownSignals } from "../server/launch/signals";
import { CUT_FAST_MS, CUT_IMMEDIATE_MS, DEADLINE_MARGIN_MS, EXIT, planShutdown, type ShutdownStage } from "../server/launch/shutdown";
import { ensureAuthSecret, openDatabase, type Database } from "../server/launch/bootstrap";

guardLogStreams();
tolerateUndiciCloseRace();
// Last-started first; until the worker runs there is little to finish.
const stages: ShutdownStage[] = [];
let database: Database | undefined;

async function main(settings: ReturnType<typeof launchEnv>): Promise<void> {
  database = await openDatabase({ notice: (line) => console.log(line) });
  const opened = database;
  stages.unshift({ name: "embedded Postgres", run: () => opened.stop(CUT_FAST_MS) });
  await ensureAuthSecret();
  // Without OPENAI_API_KEY: a front of the local sandbox over the shared state, so this worker follows the same provider jobs as `npm start`.
  const { launchSandbox, launchTogetherSandbox } = await import("../server/provider/sandbox/launch");
  const sandbox = process.env.OPENAI_API_KEY ? null : await launchSandbox({ databaseUrl: database.url });
  if (sandbox) stages.unshift({ name: "the sandbox", run: () => sandbox.close() });
  // Likewise for Together AI without TOGETHER_API_KEY.
  const together = process.env.TOGETHER_API_KEY ? null : await launchTogetherSandbox({ databaseUrl: database.url });
  if (together) stages.unshift({ name: "the Together sandbox", run: () => together.close() });
  const { db } = await import("../server/db");
  const { provider } = await import("../server/provider");
  const { startWorker } = await import("../server/worker/runner");
  const { stopQueue } = await import("../server/worker/queue");
  const concurrency = settings.WORKER_CONCURRENCY;
  stages.unshift({ name: "the queue", run: () => stopQueue() });
  const worker = await startWorker({ db: db(), provider: provider(), concurrency, pollMs: settings.WORKER_POLL_MS });
  stages.unshift({ name: "the worker's steps", run: (remainingMs) => worker.stop({ timeoutMs: remainingMs }) });
  // Only when asked for: `npm start` on the same machine already serves the default port.
  const { startProcessMetrics } = await import("../server/telemetry/server");
  const metricsServer = process.env.METRICS_PORT
    ? await startProcessMetrics({ port: settings.METRICS_PORT, host: settings.METRICS_HOST, db: db() })
    : null;
  if (metricsServer) stages.splice(1, 0, { name: "the metrics server", run: () => metricsServer.close() });
  console.log(`Worker ${process.pid} running (concurrency ${concurrency})`);
}

let settings: ReturnType<typeof launchEnv>;
try {
  settings = launchEnv();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(EXIT.failed);
}
const shutdown = planShutdown({
  timeoutMs: settings.SHUTDOWN_TIMEOUT_MS,
  stages: () => stages,
  onDeadline: () => database?.stop(CUT_FAST_MS) ?? Promise.resolve(),
});
takeOverShutdownSignals(() => {
  void database?.announceStopping(Date.now() + settings.SHUTDOWN_TIMEOUT_MS + DEADLINE_MARGIN_MS + CUT_FAST_MS + CUT_IMMEDIATE_MS);
  void shutdown.stop(EXIT.stopped);
});
main(settings).catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown.stop(EXIT.failed);
});
