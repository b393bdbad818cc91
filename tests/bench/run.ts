// `npm run bench` (tsx tests/bench/run.ts): the performance figures of cancel's
// hot path and the jobs list, in one run, against the production build.
//
// It builds the app if .next/BUILD_ID is missing, starts a fresh embedded
// Postgres in a temp dir, loads BENCH_JOBS (1,000,000) running jobs, starts the product
// (as `npm start` runs it: its node flags from package.json, NODE_ENV=production, WORKER=off, the provider outside it) and the floor server
// (bare node:http + pg) on loopback, then measures, each in its module:
//   list.ts         the list, in-process and over HTTP
//   ui.ts           the optimistic cancel in Chromium
//   metrics.ts      a job's training curves at 10,000 steps, and the detail page's loss chart
//   sweeps.ts       a sweep's early-stopping decision per new metric step at 32 runs (alone: run-sweeps.ts)
//   cancel-load.ts  cancel under load against the floor, and where its time goes
//   cold-start.ts   a cold `npm start`
//   report.ts       the verdicts against the floor and the targets, and the table
// and then, once all of that has stopped, the scale section (scale.ts; alone:
// run-scale.ts): provider calls, staleness, idle CPU, submission, the live feed
// and guardrails at BENCH_SCALE_JOBS running jobs, in environments of its own.
// It writes bench-results/latest.json and stops everything it started. The
// knobs (BENCH_* environment variables) are in context.ts; how one load case
// is run and timed, in cases.ts.
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/launch/embedded";
import { applyMigrations } from "../../server/launch/migrate";
import { measureCancelBreakdown, measureCancelUnderLoad } from "./cancel-load";
import { measureColdStart } from "./cold-start";
import {
  DEEP_PAGE,
  DURATION_MS,
  JOBS,
  LIST_ITERATIONS,
  LIST_LIMIT,
  log,
  PASSWORD,
  SKIP,
  UI_CANCELS,
  WARMUP_MS,
  type BenchContext,
} from "./context";
import {
  appEnv,
  childEnv,
  ensureNextBuild,
  insertConnection,
  insertJobs,
  jobPool,
  machineFacts,
  makeRunDir,
  NODE,
  ROOT,
  runBounded,
  stopChild,
  tearDown,
  track,
  useProductHere,
  waitForHttp,
  writeResults,
} from "./harness";
import { freePort, round, rssOf } from "./lib";
import { measureList } from "./list";
import { measureMetrics } from "./training-curves";
import { measureSweepDecisions } from "./sweeps";
import { printTable, verdicts, type Target } from "./report";
import { measureScale, printTargets, scaleTargets } from "./scale";
import { measureUi } from "./ui";
import { startCommandArgs } from "../helpers/start-command";

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  const started = new Date();
  const tmp = await makeRunDir("controlroom-bench-");
  const pgLog: string[] = [];
  const appLog: string[] = [];
  let embedded: EmbeddedPostgres | undefined;
  let app: ChildProcess | undefined;
  let floor: ChildProcess | undefined;
  let admin: pg.Client | undefined;
  let sandbox: Awaited<ReturnType<typeof import("../../server/provider/sandbox/index").startSandbox>> | undefined;
  let together: typeof sandbox;

  try {
    // 1. Build (first run only). Another `next build` of this checkout may be running: wait for it (bounded).
    const buildMs = ensureNextBuild(log);
    if (buildMs !== null) results.buildMs = buildMs;

    // 2. A fresh embedded Postgres; its start-up is timed (part of a first `npm start`).
    const pgDataDir = path.join(tmp, "pg");
    let t0 = performance.now();
    embedded = await startEmbeddedPostgres({ dataDir: pgDataDir, log: (line) => pgLog.push(line) });
    const embeddedStartMs = performance.now() - t0;
    await applyMigrations({ databaseUrl: embedded.url, migrationsDir: path.join(ROOT, "prisma", "migrations") });
    admin = new pg.Client({ connectionString: embedded.url });
    await admin.connect();
    const pgVersion = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v;

    // 3. Data: one connection, 100,000 running jobs (no provider job, so cancel never calls the provider).
    const connectionId = await insertConnection(admin);
    t0 = performance.now();
    const baseIds = await insertJobs(admin, connectionId, 1, JOBS, "bench");
    await admin.query("VACUUM (ANALYZE) finetuning_jobs");
    log(`inserted ${baseIds.length} running jobs in ${(performance.now() - t0).toFixed(0)} ms`);
    const pool = jobPool(admin, connectionId, [...baseIds], JOBS);

    // 4. Credentials, made with the product's own admin functions.
    useProductHere(embedded.url);
    const { createApiKey, createUser } = await import("../../server/auth/admin");
    const { key } = await createApiKey({ name: "bench", role: "operator" });
    const operator = { email: "operator@bench.test", password: PASSWORD };
    await createUser({ ...operator, role: "operator", name: "Bench operator" });
    const authorization = `Bearer ${key}`;

    // 5. The product, as `npm start` runs it in production (built, NODE_ENV=production, both
    // providers configured), and the floor. The providers are the local sandboxes in this
    // process: without OPENAI_API_KEY or TOGETHER_API_KEY `npm start` would run that sandbox
    // inside the app (the OpenAI one's tokenizer alone is ~70 MB of live heap, ~150 MB of RSS
    // while it loads), which no deployment with the real providers carries.
    // The cancels never reach them (no job has a provider job).
    const [port, sandboxPort, floorPort] = [await freePort(), await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${port}`;
    const { startSandbox } = await import("../../server/provider/sandbox/index");
    sandbox = await startSandbox({ port: sandboxPort });
    together = await startSandbox({ port: await freePort(), flavor: "together" });
    t0 = performance.now();
    app = track(
      spawn(NODE, startCommandArgs(), {
        cwd: ROOT,
        env: appEnv(embedded.url, port, {
          OPENAI_API_KEY: sandbox.apiKey,
          OPENAI_BASE_URL: sandbox.url,
          TOGETHER_API_KEY: together.apiKey,
          TOGETHER_BASE_URL: together.url,
        }),
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "app",
      appLog,
    );
    const appPid = app.pid as number;
    await waitForHttp(`${baseUrl}/sign-in`, app, 120_000, (s) => s === 200);
    log(`app up (pid ${appPid}) in ${(performance.now() - t0).toFixed(0)} ms; RSS ${rssOf(appPid)?.rssMb.toFixed(0)} MB`);
    if (!SKIP.has("floor")) {
      floor = track(
        spawn(NODE, ["--import", "tsx", "tests/bench/floor-server.ts"], {
          cwd: ROOT,
          env: childEnv({ DATABASE_URL: embedded.url, PORT: String(floorPort) }),
          stdio: ["ignore", "pipe", "pipe"],
        }),
        "floor",
        appLog,
      );
      await waitForHttp(`http://127.0.0.1:${floorPort}/`, floor, 30_000, (s) => s === 404);
    }
    const rssIdle = rssOf(appPid);
    const ctx: BenchContext = {
      tmp,
      pgDataDir,
      pgLog,
      appLog,
      databaseUrl: embedded.url,
      admin,
      connectionId,
      pool,
      app: { pid: appPid, port, baseUrl },
      floor: floor ? { pid: floor.pid as number, port: floorPort } : null,
      key,
      authorization,
      operator,
    };

    const { listServer, listHttp, listStatements } = await measureList(ctx);
    const ui = await measureUi(ctx);
    const metrics = await measureMetrics(ctx);
    const sweeps = await measureSweepDecisions(ctx);
    const { cases, loadMemory } = await measureCancelUnderLoad(ctx);
    const { cancelStatements, inProcess } = await measureCancelBreakdown(ctx);
    log(`SQL statements per tRPC cancel: ${cancelStatements.perCall}; per list call: ${listStatements.perCall}`);
    const { db } = await import("../../server/db");
    await db().$disconnect();

    const rssEnd = rssOf(appPid);
    await stopChild(app);
    await stopChild(floor);
    const cold = await measureColdStart(ctx, embeddedStartMs);

    const { floorRps, floorP50c16, ratios, peakRss, targets } = verdicts({ cases, listServer, ui, loadMemory, metrics, sweeps });
    Object.assign(results, {
      startedAt: started.toISOString(),
      command: "npx tsx tests/bench/run.ts",
      settings: {
        provider: "OPENAI_BASE_URL and TOGETHER_BASE_URL: the local sandboxes, in the bench process (not inside the app)",
        durationMs: DURATION_MS,
        warmupMs: WARMUP_MS,
        jobs: JOBS,
        listLimit: LIST_LIMIT,
        deepPage: DEEP_PAGE,
        listIterations: LIST_ITERATIONS,
        uiCancels: UI_CANCELS,
      },
      machine: {
        ...machineFacts(),
        memoryGb: round(os.totalmem() / 2 ** 30, 1),
        kernel: os.release(),
        postgres: pgVersion,
        note: "load generator, app (or floor) and Postgres share the same 2 CPUs; the load generator runs in its own process",
      },
      cancel: cases,
      floor: { c16RpsMean: floorRps, c16P50Mean: floorP50c16 },
      ratios,
      list: { serverSide: listServer, http: listHttp, statementsPerCall: listStatements },
      metrics,
      sweeps,
      ui,
      memory: { idle: rssIdle, underCancelLoad: { ...loadMemory, peakRssMb: peakRss }, atEnd: rssEnd },
      coldStart: cold,
      where: { statementsPerTrpcCancel: cancelStatements, inProcessAuthPlusCancel: inProcess },
      targets,
    });

    printTable(results, cases, listServer, listHttp, ui, targets, peakRss, floorRps, metrics);
    log(`wrote ${await writeResults("latest.json", results)}`);
  } catch (error) {
    console.error(error);
    if (appLog.length) console.error(`last lines of the app's output:\n${appLog.slice(-30).join("\n")}`);
    process.exitCode = 1;
  } finally {
    await stopChild(app);
    await stopChild(floor);
    await sandbox?.close();
    await together?.close();
    // The product's queue client, if a call measured here started one (reading a job's curves hurries its next poll):
    // left running, it would retry the stopped Postgres and keep this process alive.
    const { stopQueue } = await import("../../server/worker/queue");
    await stopQueue().catch(() => {});
    await tearDown({ admin, embedded, tmp });
  }
  if (!SKIP.has("scale") && !process.exitCode) await scaleSection(results);
}

/** The scale section, its verdicts added to the run's, and bench-results/latest.json written again with both. */
async function scaleSection(results: Record<string, unknown>): Promise<void> {
  try {
    const scale = await measureScale();
    const targets = scaleTargets(scale);
    printTargets("scale targets", targets);
    results.scale = scale;
    results.targets = [...((results.targets as Target[] | undefined) ?? []), ...targets];
    log(`wrote ${await writeResults("latest.json", results)} (with the scale section)`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}

await runBounded("bench", 45, main);
