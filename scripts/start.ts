// `npm start`: the whole product in one process — embedded Postgres (unless
// DATABASE_URL), the local OpenAI sandbox (unless OPENAI_API_KEY), migrations,
// first-start seed and admin, the worker, and the web app on PORT (3000).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { launchEnv } from "../server/env";
import { guardLogStreams } from "../server/launch/log-streams";
import { tolerateUndiciCloseRace } from "../server/launch/known-races";
import { takeOverShutdownSignals } from "../server/launch/signals";
import { CUT_FAST_MS, CUT_IMMEDIATE_MS, DEADLINE_MARGIN_MS, EXIT, planShutdown, type ShutdownStage } from "../server/launch/shutdown";
import { printableUrl } from "../server/launch/printable-url";
import { DatabaseOwnedElsewhereError } from "../server/launch/embedded";
import { dataDir, ensureAuthSecret, migrate, openDatabase, ROOT, type Database } from "../server/launch/bootstrap";

guardLogStreams();
tolerateUndiciCloseRace();
const dev = process.argv.includes("--dev");
// Shutdown: first the web app and the worker finish what they hold, together;
// then the rest, last-started first (metrics, the queue, the sandbox, Postgres).
const drains: ShutdownStage[] = [];
const closes: ShutdownStage[] = [];
let database: Database | undefined;

async function main(settings: ReturnType<typeof launchEnv>): Promise<void> {
  // In production, as under `next start`, Node keeps no source maps: tsx turns
  // them on for itself, and Node would then hold the map of every module loaded
  // (Next's server chunks among them) for the life of the process.
  // NODE_SOURCE_MAPS=on keeps them, for stack traces that point into the sources.
  if (!dev && settings.NODE_SOURCE_MAPS !== "on") process.setSourceMapsEnabled(false);
  database = await openDatabase({ exclusive: true, appPort: settings.PORT, notice: (line) => console.log(line) });
  const opened = database;
  closes.unshift({ name: "embedded Postgres", run: () => opened.stop(CUT_FAST_MS) });
  console.log(
    database.embedded
      ? `Postgres: embedded, data in ${shortPath(path.join(dataDir(), "postgres"))} (${printableUrl(database.url)})`
      : "Postgres: DATABASE_URL",
  );
  const applied = await migrate(database.url);
  if (applied.length) console.log(`Migrations applied: ${applied.join(", ")}`);
  await ensureAuthSecret();

  if (!process.env.OPENAI_API_KEY) {
    // Its state lives in this database (schema "sandbox"): jobs carry on across restarts and processes.
    const { launchSandbox } = await import("../server/provider/sandbox/launch");
    const sandbox = await launchSandbox({
      databaseUrl: database.url,
      port: Number(process.env.SANDBOX_PORT ?? 0),
      tokenFile: path.join(dataDir(), "sandbox-control-token"),
    });
    closes.unshift({ name: "the sandbox", run: () => sandbox.close() });
    const minutes = Math.round((await sandbox.timings()).runningMs / 60_000);
    console.log(
      `OpenAI: no OPENAI_API_KEY, so using the local OpenAI sandbox at ${sandbox.url} (jobs train for ${Number.isFinite(minutes) ? `${minutes} min` : "ever"}; SANDBOX_TIMINGS changes it)`,
    );
  } else {
    console.log(`OpenAI: ${process.env.OPENAI_BASE_URL ? printableUrl(process.env.OPENAI_BASE_URL) : "api.openai.com"}`);
  }
  if (!process.env.TOGETHER_API_KEY) {
    // The Together sandbox: its state in this database too (schema "sandbox_together"), its control API on the same token.
    const { launchTogetherSandbox } = await import("../server/provider/sandbox/launch");
    const together = await launchTogetherSandbox({ databaseUrl: database.url, tokenFile: path.join(dataDir(), "sandbox-control-token") });
    closes.unshift({ name: "the Together sandbox", run: () => together.close() });
    console.log(`Together AI: no TOGETHER_API_KEY, so using the local Together sandbox at ${together.url}`);
  } else {
    console.log(`Together AI: ${process.env.TOGETHER_BASE_URL ? printableUrl(process.env.TOGETHER_BASE_URL) : "api.together.ai"}`);
  }

  const port = settings.PORT;
  // APP_URL stays unset unless given: then localhost, 127.0.0.1 and [::1] on
  // the port all count as the app's own origin (sign-in works at each).
  if (!dev && !existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    console.log("Building the web app (first start only; `npm run build` rebuilds)…");
    execFileSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, NODE_ENV: "production" },
    });
  }

  const { firstStart } = await import("./first-start");
  await firstStart({ seed: database.embedded });

  if (settings.WORKER === "on") {
    const { db } = await import("../server/db");
    const { provider } = await import("../server/provider");
    const { startWorker } = await import("../server/worker/runner");
    const { stopQueue } = await import("../server/worker/queue");
    const worker = await startWorker({
      db: db(),
      provider: provider(),
      concurrency: settings.WORKER_CONCURRENCY,
      pollMs: settings.WORKER_POLL_MS,
    });
    drains.push({ name: "the worker's steps", run: (remainingMs) => worker.stop({ timeoutMs: remainingMs }) });
    closes.unshift({ name: "the queue", run: () => stopQueue() });
    console.log("Worker: running in this process (`npm run worker` runs more)");
  }

  const { startAppServer } = await import("../server/app-server");
  const { restMounts } = await import("../server/http/mounts");
  const { db } = await import("../server/db");
  const { startProcessMetrics } = await import("../server/telemetry/server");
  const metricsServer = await startProcessMetrics({ port: settings.METRICS_PORT, host: settings.METRICS_HOST, db: db() });
  if (metricsServer) closes.unshift({ name: "the metrics server", run: () => metricsServer.close() });
  const app = await startAppServer({ port, dev, mounts: restMounts(), shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS });
  drains.push({ name: "the web app's requests", run: () => app.close() });
  console.log(`\nReady: ${process.env.APP_URL ?? `http://localhost:${port} (or http://127.0.0.1:${port})`}\n`);
}

/** Inside the checkout: relative to it. */
function shortPath(folder: string): string {
  const relative = path.relative(ROOT, folder);
  return relative.startsWith("..") ? folder : relative;
}

/** Runs the drains together, then each close in turn. */
function stages(): ShutdownStage[] {
  const drain: ShutdownStage = {
    name: drains.map((stage) => stage.name).join(" and ") || "nothing to drain",
    run: async (remainingMs) => {
      const failed = (await Promise.allSettled(drains.map((stage) => stage.run(remainingMs)))).find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
  return [drain, ...closes];
}

let settings: ReturnType<typeof launchEnv>;
try {
  // A bad setting stops the start here, saying which, before anything runs.
  settings = launchEnv();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(EXIT.failed);
}
const shutdown = planShutdown({
  timeoutMs: settings.SHUTDOWN_TIMEOUT_MS,
  stages,
  // Whatever hangs at the deadline stays behind; Postgres never does.
  onDeadline: () => database?.stop(CUT_FAST_MS) ?? Promise.resolve(),
});
takeOverShutdownSignals(() => {
  // A start made now waits for this Postgres to go, instead of meeting it half-stopped.
  void database?.announceStopping(Date.now() + settings.SHUTDOWN_TIMEOUT_MS + DEADLINE_MARGIN_MS + CUT_FAST_MS + CUT_IMMEDIATE_MS);
  void shutdown.stop(EXIT.stopped);
});
main(settings).catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown.stop(error instanceof DatabaseOwnedElsewhereError ? EXIT.databaseOwnedElsewhere : EXIT.failed);
});
