// A cold start: exactly `npm start` (built, the worker on) on a fresh empty
// database, until /jobs and /sign-in answer. DATABASE_URL is set because the
// launcher's embedded Postgres would live in the repository's shared .data/,
// so the embedded Postgres's own start-up is timed separately (run.ts).
import { spawn } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { log, SKIP, type BenchContext } from "./context";
import { childEnv, ROOT, SECRET, stopChild, track, waitForHttp } from "./harness";
import { freePort, round, sleep } from "./lib";
import { quietly } from "./cases";

export async function measureColdStart(ctx: BenchContext, embeddedStartMs: number): Promise<Record<string, unknown>> {
  if (SKIP.has("cold")) return { available: false, reason: "skipped (BENCH_SKIP=cold)" };
  let cold: Record<string, unknown>;
  await ctx.admin.query("CREATE DATABASE cold_start");
  const coldUrl = new URL(ctx.databaseUrl);
  coldUrl.pathname = "/cold_start";
  const [coldPort, coldSandbox] = [await freePort(), await freePort()];
  const coldBase = `http://127.0.0.1:${coldPort}`;
  const env = childEnv({
    DATABASE_URL: coldUrl.toString(),
    PORT: String(coldPort),
    APP_URL: coldBase,
    SANDBOX_PORT: String(coldSandbox),
    BETTER_AUTH_SECRET: SECRET,
    PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
  });
  // Exactly `npm start`: no NODE_ENV, the worker on.
  Reflect.deleteProperty(env, "NODE_ENV");
  Reflect.deleteProperty(env, "WORKER");
  const coldLog: string[] = [];
  await quietly("the cold start");
  const t0 = performance.now();
  const npm = track(spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true }), "npm-start", coldLog);
  let readyLineMs: number | null = null;
  npm.stdout?.on("data", (c: Buffer) => {
    if (readyLineMs === null && c.toString("utf8").includes("Ready:")) readyLineMs = performance.now() - t0;
  });
  try {
    const jobs = await waitForHttp(`${coldBase}/jobs`, npm, 120_000, (s) => s === 200 || s === 307);
    const firstJobsMs = performance.now() - t0;
    const signIn = await waitForHttp(`${coldBase}/sign-in`, npm, 120_000, (s) => s === 200);
    const signInMs = performance.now() - t0;
    await sleep(1_000);
    const worker = coldLog.some((l) => l.includes("Worker: running"));
    // An unauthenticated /jobs may answer 200 and redirect inside the streamed page: say which.
    const jobsPage = await fetch(`${coldBase}/jobs`, { redirect: "manual" });
    const jobsBody = await jobsPage.text();
    const jobsAnswer = {
      status: jobsPage.status,
      location: jobsPage.headers.get("location"),
      streamedRedirectToSignIn: jobsBody.includes("NEXT_REDIRECT") || /sign-in/.test(jobsBody),
    };
    cold = {
      available: true,
      jobsFirstResponseMs: round(firstJobsMs, 0),
      jobsFirstStatus: jobs.status,
      jobsAnswerOnceUp: jobsAnswer,
      signInFirst200Ms: round(signInMs, 0),
      readyLineMs: readyLineMs === null ? null : round(readyLineMs, 0),
      workerRunning: worker,
      embeddedPostgresFreshStartMs: round(embeddedStartMs, 0),
      estimatedWithEmbeddedPostgresMs: round(signInMs + embeddedStartMs, 0),
    };
    void signIn;
  } catch (error) {
    cold = { available: false, reason: error instanceof Error ? error.message : String(error), log: coldLog.slice(-20) };
  } finally {
    await stopChild(npm, { group: true });
  }
  log(`cold start: ${JSON.stringify(cold)}`);
  return cold;
}
