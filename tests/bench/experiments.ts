// What-if experiments behind the findings in docs/BENCHMARKS.md: the same
// load as `npm run bench`, with one cause removed at a time — in the
// benchmark's own throwaway database and process settings, never in product
// code. Not part of `npm run bench`.
//
//   npx tsx tests/bench/experiments.ts        → bench-results/experiments.json
//
// - floor: NOTIFY trigger on/off, synchronous_commit on/off
// - product (tRPC cancel): one API key (one rate-limit row for all requests)
//   vs 16 keys (one per connection), the NOTIFY trigger enabled vs disabled
//   (ALTER TABLE … DISABLE TRIGGER in the bench database), and the app's
//   memory with a V8 old-space cap (NODE_OPTIONS)
// - Postgres' per-statement planning and execution time (pg_stat_statements)
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/launch/embedded";
import { applyMigrations } from "../../server/launch/migrate";
import {
  childEnv,
  insertConnection,
  insertJobs,
  jobPool,
  NODE,
  postgresCpuMs,
  ROOT,
  runLoadgen,
  sampleWaits,
  makeRunDir,
  runBounded,
  SECRET,
  stopChild,
  tearDown,
  track,
  waitForHttp,
  writeIds,
} from "./harness";
import { cpuMsOf, freePort, sampleRss, waitForQuiet } from "./lib";
import type { LoadSpec } from "./loadgen";

const log = (line: string) => console.log(`[exp] ${line}`);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3_000);
const TRIGGER = "finetuning_jobs_notify_change";

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) throw new Error("no production build (.next/BUILD_ID)");
  const tmp = await makeRunDir("controlroom-exp-");
  const dataDir = path.join(tmp, "pg");
  let embedded: EmbeddedPostgres | undefined;
  let admin: pg.Client | undefined;
  const out: Record<string, unknown> = {};
  try {
    // Postgres with pg_stat_statements (needs a restart to load).
    embedded = await startEmbeddedPostgres({ dataDir });
    const setup = new pg.Client({ connectionString: embedded.url });
    await setup.connect();
    await setup.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
    await setup.query("ALTER SYSTEM SET pg_stat_statements.track_planning = on");
    await setup.end();
    await embedded.stop();
    embedded = await startEmbeddedPostgres({ dataDir });
    await applyMigrations({ databaseUrl: embedded.url, migrationsDir: path.join(ROOT, "prisma", "migrations") });
    admin = new pg.Client({ connectionString: embedded.url });
    await admin.connect();
    await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const connectionId = await insertConnection(admin);
    const baseIds = await insertJobs(admin, connectionId, 1, 100_000, "bench");
    await admin.query("VACUUM (ANALYZE) finetuning_jobs");
    const pool = jobPool(admin, connectionId, [...baseIds], 100_000);

    Object.assign(process.env, {
      DATABASE_URL: embedded.url,
      BETTER_AUTH_SECRET: SECRET,
      RATE_LIMIT_PER_MINUTE: "1000000000",
      NODE_ENV: "production",
    });
    const { createApiKey } = await import("../../server/auth/admin");
    const keys: string[] = [];
    for (let i = 0; i < 16; i++) keys.push(`Bearer ${(await createApiKey({ name: `exp-${i}`, role: "operator" })).key}`);

    const run = async (
      name: string,
      serverPid: number,
      spec: Omit<LoadSpec, "warmupMs" | "durationMs" | "idsFile">,
      idsPerSecond: number,
    ) => {
      const quiet = await waitForQuiet(0.3, 90_000);
      const ids = await writeIds(
        tmp,
        name.replace(/\W+/g, "-"),
        await pool.take(Math.ceil(((WARMUP_MS + DURATION_MS) / 1000) * idsPerSecond)),
      );
      const waits = await sampleWaits(embedded!.url, 50);
      const cpu0 = cpuMsOf(serverPid);
      const pg0 = postgresCpuMs(dataDir);
      const rss = sampleRss(serverPid, 100);
      const r = await runLoadgen({ ...spec, idsFile: ids, warmupMs: WARMUP_MS, durationMs: DURATION_MS });
      const memory = rss.stop();
      const responses = Object.values(r.statuses).reduce((a, b) => a + b, 0);
      const activity = await waits.stop();
      const row = {
        rps: Math.round(r.rps),
        p50: Number(r.latency.p50.toFixed(2)),
        p99: Number(r.latency.p99.toFixed(2)),
        errors: r.errors,
        serverCpuMsPerReq: Number(((cpuMsOf(serverPid) - cpu0) / responses).toFixed(3)),
        postgresCpuMsPerReq: Number(((postgresCpuMs(dataDir) - pg0) / responses).toFixed(3)),
        peakRssMb: Math.round(memory.peakRssMb),
        busyCpusBefore: Number(quiet.busyCpus.toFixed(2)),
        postgresWaits: activity.byEvent,
      };
      out[name] = row;
      log(
        `${name.padEnd(48)} ${String(row.rps).padStart(5)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  app ${row.serverCpuMsPerReq} pg ${row.postgresCpuMsPerReq} ms/req  rss ${row.peakRssMb} MB  errors ${row.errors}  waits ${JSON.stringify(activity.byEvent)}`,
      );
      if (r.firstError) log(`  first error: ${r.firstError}`);
    };

    // The floor, four ways.
    for (const [label, extra] of [
      ["floor", {}],
      ["floor, NOTIFY trigger off", { FLOOR_NO_TRIGGERS: "1" }],
      ["floor, synchronous_commit off", { FLOOR_ASYNC_COMMIT: "1" }],
      ["floor, trigger off + synchronous_commit off", { FLOOR_NO_TRIGGERS: "1", FLOOR_ASYNC_COMMIT: "1" }],
    ] as const) {
      const port = await freePort();
      const floor = track(
        spawn(NODE, ["--import", "tsx", "tests/bench/floor-server.ts"], {
          cwd: ROOT,
          env: childEnv({ DATABASE_URL: embedded.url, PORT: String(port), ...extra }),
          stdio: ["ignore", "pipe", "pipe"],
        }),
        "floor",
      );
      await waitForHttp(`http://127.0.0.1:${port}/`, floor, 30_000, (s) => s === 404);
      for (const c of [1, 16])
        await run(
          `${label} c=${c}`,
          floor.pid as number,
          { host: "127.0.0.1", port, kind: "floor-cancel", concurrency: c, expect: '"status":"cancelled"' },
          c === 1 ? 4_000 : 11_000,
        );
      await stopChild(floor);
    }

    // The product, with causes removed one at a time.
    const startApp = async (nodeOptions?: string): Promise<{ app: ChildProcess; port: number }> => {
      const [port, sandboxPort] = [await freePort(), await freePort()];
      const env = childEnv({
        NODE_ENV: "production",
        WORKER: "off",
        DATABASE_URL: embedded!.url,
        PORT: String(port),
        APP_URL: `http://127.0.0.1:${port}`,
        SANDBOX_PORT: String(sandboxPort),
        BETTER_AUTH_SECRET: SECRET,
        RATE_LIMIT_PER_MINUTE: "1000000000",
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      });
      const app = track(spawn(NODE, ["--import", "tsx", "scripts/start.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }), "app");
      await waitForHttp(`http://127.0.0.1:${port}/sign-in`, app, 120_000, (s) => s === 200);
      return { app, port };
    };
    const cancel = (
      port: number,
      authorizations: string[],
      concurrency: number,
    ): Omit<LoadSpec, "warmupMs" | "durationMs" | "idsFile"> => ({
      host: "127.0.0.1",
      port,
      kind: "trpc-cancel",
      authorizations,
      concurrency,
      expect: '"status":"cancelled"',
    });
    let { app, port } = await startApp();
    // Unmeasured warm-up (JIT, heap growth), as in the benchmark, so that the order of the cases below matters less.
    const warm = await writeIds(tmp, "warmup", await pool.take(8 * 4_000));
    await runLoadgen({ ...cancel(port, keys.slice(0, 1), 16), idsFile: warm, warmupMs: 0, durationMs: 8_000 });
    await admin.query("SELECT pg_stat_statements_reset()");
    await run("tRPC cancel c=1", app.pid as number, cancel(port, keys.slice(0, 1), 1), 3_000);
    const statements = await admin.query(
      `SELECT calls, round(mean_plan_time::numeric, 3) AS mean_plan_ms, round(mean_exec_time::numeric, 3) AS mean_exec_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
       FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%' AND calls > 100 ORDER BY total_exec_time + total_plan_time DESC LIMIT 8`,
    );
    out.statementsAtC1 = statements.rows;
    for (const s of statements.rows as Array<Record<string, unknown>>) log(`  pg_stat_statements: ${JSON.stringify(s)}`);
    await run("tRPC cancel c=16, 1 key", app.pid as number, cancel(port, keys.slice(0, 1), 16), 6_000);
    await run("tRPC cancel c=16, 16 keys", app.pid as number, cancel(port, keys, 16), 6_000);
    await admin.query(`ALTER TABLE finetuning_jobs DISABLE TRIGGER ${TRIGGER}`);
    await run("tRPC cancel c=1, trigger disabled", app.pid as number, cancel(port, keys.slice(0, 1), 1), 3_000);
    await run("tRPC cancel c=16, 1 key, trigger disabled", app.pid as number, cancel(port, keys.slice(0, 1), 16), 8_000);
    await run("tRPC cancel c=16, 16 keys, trigger disabled", app.pid as number, cancel(port, keys, 16), 8_000);
    await admin.query(`ALTER TABLE finetuning_jobs ENABLE TRIGGER ${TRIGGER}`);
    // The baseline again: how much of the differences above is drift.
    await run("tRPC cancel c=16, 1 key (again, last)", app.pid as number, cancel(port, keys.slice(0, 1), 16), 6_000);
    await stopChild(app);

    ({ app, port } = await startApp("--max-old-space-size=256"));
    await run("tRPC cancel c=16, 1 key, --max-old-space-size=256", app.pid as number, cancel(port, keys.slice(0, 1), 16), 6_000);
    await stopChild(app);

    await mkdir(path.join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(
      path.join(ROOT, "bench-results", "experiments.json"),
      `${JSON.stringify({ at: new Date().toISOString(), durationMs: DURATION_MS, results: out }, null, 2)}\n`,
    );
    log("wrote bench-results/experiments.json");
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await tearDown({ admin, embedded, tmp });
  }
}

await runBounded("exp", 25, main);
