// `npm start`: the whole product in one process — embedded Postgres (unless
// DATABASE_URL), the local OpenAI sandbox (unless OPENAI_API_KEY), migrations,
// first-start seed and admin, the worker, and the web app on PORT (3000).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { launchEnv } from "../server/env";
import { takeOverShutdownSignals } from "../server/launch/signals";
import { ensureAuthSecret, migrate, openDatabase, ROOT } from "../server/launch/bootstrap";

const dev = process.argv.includes("--dev");
const stops: Array<() => Promise<void>> = [];

async function main(): Promise<void> {
  // A bad setting stops the start here, saying which, before anything runs.
  const settings = launchEnv();
  const database = await openDatabase();
  stops.unshift(() => database.stop());
  console.log(
    database.embedded
      ? `Postgres: embedded, data in .data/postgres (${database.url.replace(/:[^:@/]+@/, ":***@")})`
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
      tokenFile: path.join(ROOT, ".data", "sandbox-control-token"),
    });
    stops.unshift(() => sandbox.close());
    const minutes = Math.round((await sandbox.timings()).runningMs / 60_000);
    console.log(
      `OpenAI: no OPENAI_API_KEY, so using the local OpenAI sandbox at ${sandbox.url} (jobs train for ${Number.isFinite(minutes) ? `${minutes} min` : "ever"}; SANDBOX_TIMINGS changes it)`,
    );
  } else {
    console.log(`OpenAI: ${process.env.OPENAI_BASE_URL ?? "api.openai.com"}`);
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
    stops.unshift(async () => {
      await worker.stop({ timeoutMs: settings.SHUTDOWN_TIMEOUT_MS });
      await stopQueue();
    });
    console.log("Worker: running in this process (`npm run worker` runs more)");
  }

  const { startAppServer } = await import("../server/app-server");
  const { restMounts } = await import("../server/http/mounts");
  const { db } = await import("../server/db");
  const { startProcessMetrics } = await import("../server/telemetry/server");
  const metricsServer = await startProcessMetrics({ port: settings.METRICS_PORT, host: settings.METRICS_HOST, db: db() });
  if (metricsServer) stops.unshift(() => metricsServer.close());
  // Shutdown runs these last-registered first: the web app drains, then metrics, the worker, the sandbox, Postgres.
  const app = await startAppServer({ port, dev, mounts: restMounts(), shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS });
  stops.unshift(() => app.close());
  console.log(`\nReady: ${process.env.APP_URL ?? `http://localhost:${port} (or http://127.0.0.1:${port})`}\n`);
}

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const stop of stops) await stop().catch((error: unknown) => console.error("while stopping:", error));
  process.exit(code);
}

takeOverShutdownSignals(() => void shutdown(0));
main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
});
