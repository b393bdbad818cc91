// The scale section of `npm run bench` (alone: run-scale.ts): what the product
// costs and how fresh it stays as the number of running jobs grows, at
// BENCH_SCALE_JOBS (1000; a comma list, e.g. 1000,10000) running jobs.
//
// Each job count gets a fresh environment (scale-env.ts): a Postgres for the
// product, the product's real processes (the app as `npm start` runs it,
// WORKER=off, and one `npm run worker`), and the provider in a process of its
// own (scale-sandbox.ts: the local OpenAI and Together sandboxes, unchanged,
// their state in a second Postgres), so the provider's CPU and database are
// never counted as the product's. The product is pointed at it as at a real
// provider (OPENAI_API_KEY, OPENAI_BASE_URL, TOGETHER_*), with its default poll
// plan (WORKER_POLL_MS 1000) and request budgets (OpenAI 20 a second, Together
// 10). Sandbox jobs train for an hour.
//
// The running jobs are seeded (product rows and sandbox jobs written together,
// each product row naming its sandbox job, never read by the product): the
// worker takes them up as it would after a restart. Then, in order:
//   quiet      a warm-up, then a window: provider calls a second; CPU of app,
//              worker and Postgres; at its end, how old each job's view is
//   feed       200 live-feed subscribers; 20 changes, each timed until the
//              200th subscriber had it; the app's RSS
//   urgent     10 running Together jobs (seeded now, not before: see the feed)
//              are cancelled through the API, which Together takes 2 minutes
//              to confirm, and 10 seeded jobs get a cost guardrail (through
//              the API) that their curve crosses ~15 s later: how often the
//              provider saw each read, and when the product cancelled each
//              guarded job after the provider reported the crossing; 20 more
//              feed changes meanwhile
//   scale-out  (first job count only) a second app and a second worker join:
//              the provider calls a second stay within the one budget
// and, in an environment of its own, submission: 1,000 jobs created over REST
// at a budget of 50 calls a second, until each has its provider job.
import { log, NOISE_CPUS, QUIET_CPUS, QUIET_MAX_WAIT_MS } from "./context";
import { MODEL } from "./harness";
import { round, sampleRss, sleep, stats, waitForQuiet, type Stats } from "./lib";
import type { Target } from "./report";
import {
  api,
  callRate,
  censored,
  cpuMark,
  cpuWindow,
  dumpHits,
  feedRound,
  FEEDS_PER_USER,
  fetchHits,
  GUARD_SHAPE,
  inBatches,
  intervals,
  OPENAI_TIMINGS,
  openFeed,
  providerLatency,
  QUIET_SHAPE,
  readsOf,
  recordPrice,
  routeOf,
  RUNNING_MS,
  sampleActiveStatements,
  sandboxOffsetMs,
  scrape,
  seedRunning,
  stalenessHistogram,
  startApp,
  startEnv,
  startWorkerProcess,
  stepsTaken,
  stopEnv,
  TOGETHER_TIMINGS,
  until,
  type CallRate,
  type Censored,
  type CpuWindow,
  type Env,
  type Feed,
  type Seeded,
} from "./scale-env";

// ---------- knobs ----------
// BENCH_SCALE_JOBS (1000; a comma list), BENCH_SCALE_WARMUP_MS (15000), BENCH_SCALE_WINDOW_MS
// (45000: the quiet window), BENCH_SCALE_SUBMIT_JOBS (1000), BENCH_SCALE_SUBMIT_WAIT_MS (120000),
// BENCH_SCALE_SUBMIT=off (no submission), BENCH_SCALE_OUT_MS (30000: the 2 apps + 2 workers
// window), BENCH_SCALE_HITS_DIR (write every provider request of each run there).

const numberEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === "" ? fallback : Number(raw.replaceAll("_", ""));
};

/** BENCH_SCALE_JOBS: the running-job counts, e.g. "1000,10000" (default 1000). */
export function scaleJobCounts(raw = process.env.BENCH_SCALE_JOBS ?? "1000"): number[] {
  const counts = raw
    .split(",")
    .map((s) => Number(s.trim().replaceAll("_", "")))
    .filter((n) => Number.isInteger(n) && n > 0);
  if (counts.length === 0) throw new Error(`BENCH_SCALE_JOBS must list job counts, e.g. 1000,10000 (got ${JSON.stringify(raw)})`);
  return counts;
}

const WARMUP_MS = numberEnv("BENCH_SCALE_WARMUP_MS", 15_000);
const WINDOW_MS = numberEnv("BENCH_SCALE_WINDOW_MS", 45_000);
const SUBMIT_JOBS = numberEnv("BENCH_SCALE_SUBMIT_JOBS", 1_000);
const SUBMIT_WAIT_MS = numberEnv("BENCH_SCALE_SUBMIT_WAIT_MS", 120_000);
const SCALE_OUT_MS = numberEnv("BENCH_SCALE_OUT_MS", 30_000);
/** The product's default budgets (server/env.ts), set explicitly so that the verdicts use what the processes ran with. */
const BUDGET = { openai: 20, together: 10 };
const SUBMIT_BUDGET = 50;
const CANCELS = 10;
const GUARDED = 10;
const FEEDS = 200;
const FEED_CHANGES = 20;
/** A guarded job's curve crosses its new limit this long after the limit is set. */
const GUARD_LEAD_MS = 15_000;
/** How long after the last crossing the guarded jobs are waited for. */
const GUARD_WAIT_MS = 30_000;
const URGENT_MIN_MS = 35_000;

// The targets (for WORKER_POLL_MS 1000, the default these runs use).
const QUIET_STALENESS_S = 60;
const URGENT_STALENESS_S = 5;
const IDLE_CORES = 0.5;
const SUBMIT_S = 60;
const FEED_MS = 1_000;
const FEED_RSS_MB = 500;
const GUARD_S = 10;
/** A job GET the sandbox answers slower than this (p50) marks the run's figures as bound by the provider stand-in. */
const PROVIDER_SLOW_MS = 250;

// ---------- results ----------

type ProviderLatency = ReturnType<typeof providerLatency>;

export type SubmissionResult = {
  jobs: number;
  budget: number;
  created: number;
  createErrors: number;
  /** From the first create request until the last job had its provider job; null if not within the wait. */
  reachedProviderS: number | null;
  reachedProvider: number;
  lastCreateAnsweredS: number;
  allRunningS: number | null;
  waitedS: number;
  calls: CallRate;
  callsPerJobByRoute: Record<string, number>;
  providerLatencyMs: ProviderLatency;
};

type FeedRound = {
  changes: number;
  latencyMs: Censored;
  subscribersWithinTarget: Stats;
  /** Ids the event log (job_events) skipped meanwhile: the feed waits up to 2 s at each before it moves past. */
  eventIdsSkipped: number;
};

export type ScaleRun = {
  jobs: number;
  seeded: { quiet: number; guarded: number; together: number; feedJobs: number; seedMs: number };
  quiet: {
    warmupS: number;
    cpu: CpuWindow;
    calls: CallRate;
    /** Age of each quiet job's view (now − provider_polled_at) at the window's end; a job never read counts from its seeding. */
    staleness: { jobs: number; neverRead: number; p50: number; p99: number; max: number };
    /** Quiet jobs the product recorded as read (provider_polled_at: by their own read or a list of jobs) in the window; at that pace each is read every impliedCycleS. */
    readInWindow: number;
    impliedCycleS: number | null;
    /** GETs of quiet jobs a second at the provider in the window, and of how many jobs. */
    jobGetsPerSecond: number;
    jobsGot: number;
    /** job_poll_staleness_seconds over the window, from the worker's /metrics: per need, observations and the bucket bound holding the 99th. */
    histogram: Record<string, { n: number; p99UpperS: number | null }>;
    providerLatencyMs: ProviderLatency;
    /** How long the sandbox took to answer a job's GET, p50: far above a few ms, the provider stand-in, not the product, bounds this run's figures. */
    jobGetMs: number | null;
    /** The statements the product's Postgres was seen running (sampled every 250 ms), each with the share of samples it was seen in. */
    postgresBusyWith: Array<{ statement: string; share: number }>;
  };
  feed: {
    subscribers: number;
    /** How long opening them took, until the app counted them all (its live_feed_subscribers gauge), and what it counted. */
    openS: number;
    subscribedBeforeChanges: number;
    quiet: FeedRound;
    /** The same, while the urgent phase runs (cancels being confirmed at Together, guardrails acting). */
    duringUrgent: FeedRound;
    appRssPeakMb: number;
  };
  urgent: {
    seconds: number;
    /** Intervals between the provider's GETs of each cancelled job, from its cancel to the phase's end (the last one open). */
    cancelReadIntervalsS: Censored;
    /** The same for each guarded job, from its guardrail being set until the guardrail's cancel reached the provider. */
    guardReadIntervalsS: Censored;
    /** Without the first interval (from the guardrail being set to the first read after it). */
    guardReadIntervalsAfterFirstS: Censored;
    /** From the provider's crossing (the sandbox's step time) to the guardrail's cancel (its status change); one not acted on counts until the phase's end. */
    tripLatencyS: Censored;
    /** From the crossing to the trip being recorded (its guardrail_triggered event). */
    tripRecordedLatencyS: Stats;
    acted: number;
    /** Cancels the API did not answer 200 (the job then stays running: it is not counted among the cancelled). */
    cancelErrors: string[];
    crossingsInS: number[];
    calls: { openai: CallRate; together: CallRate };
    providerLatencyMs: ProviderLatency;
  };
  callsAll: { openai: CallRate; together: CallRate };
  appRssPeakMb: number;
  scaleOut: { apps: number; workers: number; calls: CallRate; stepsByWorker: number[] } | null;
};

export type ScaleResult = { submission: SubmissionResult | null; runs: ScaleRun[]; settings: Record<string, unknown> };

const seconds = (ms: number) => round(ms / 1000, 1) ?? 0;

// ---------- submission ----------

async function submission(): Promise<SubmissionResult> {
  await waitForQuiet(QUIET_CPUS, QUIET_MAX_WAIT_MS);
  const env = await startEnv("submit", { openai: SUBMIT_BUDGET, together: BUDGET.together });
  try {
    log(`scale: submission: ${SUBMIT_JOBS} jobs created over REST at a budget of ${SUBMIT_BUDGET} calls a second`);
    const t0 = Date.now();
    let created = 0;
    let errors = 0;
    await inBatches(
      Array.from({ length: SUBMIT_JOBS }, (_, i) => i),
      8,
      async (i) => {
        const { status } = await api(env, "POST", "/finetunings", { db_connection_id: env.connectionId, alias: `submit-${i}` });
        if (status === 201 || status === 200) created++;
        else errors++;
      },
    );
    const lastCreateAnswered = Date.now();
    let reached = 0;
    let reachedAt: number | null = null;
    let runningAt: number | null = null;
    await until(async () => {
      const { rows } = await env.admin.query<{ reached: number; running: number }>(
        `SELECT count(*) FILTER (WHERE finetuning_job_id IS NOT NULL)::int AS reached, count(*) FILTER (WHERE status = 'running')::int AS running
         FROM finetuning_jobs WHERE alias LIKE 'submit-%'`,
      );
      reached = rows[0]?.reached ?? 0;
      if (reached >= created && reachedAt === null) reachedAt = Date.now();
      if ((rows[0]?.running ?? 0) >= created && runningAt === null) runningAt = Date.now();
      return runningAt !== null || (reachedAt !== null && Date.now() - reachedAt > 15_000);
    }, SUBMIT_WAIT_MS);
    const end = Date.now();
    const hits = await fetchHits(env);
    const byRoute: Record<string, number> = {};
    for (const hit of hits.filter((h) => h[0] >= t0 && h[0] < end)) byRoute[routeOf(hit)] = (byRoute[routeOf(hit)] ?? 0) + 1;
    const result: SubmissionResult = {
      jobs: SUBMIT_JOBS,
      budget: SUBMIT_BUDGET,
      created,
      createErrors: errors,
      reachedProviderS: reachedAt === null ? null : seconds(reachedAt - t0),
      reachedProvider: reached,
      lastCreateAnsweredS: seconds(lastCreateAnswered - t0),
      allRunningS: runningAt === null ? null : seconds(runningAt - t0),
      waitedS: seconds(end - t0),
      calls: callRate(hits, 0, t0, end, SUBMIT_BUDGET),
      callsPerJobByRoute: Object.fromEntries(
        Object.entries(byRoute)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => [k, round(v / Math.max(1, created), 2) ?? 0]),
      ),
      providerLatencyMs: providerLatency(hits, t0, end),
    };
    log(
      `scale: submission: ${reached}/${created} reached the provider${result.reachedProviderS === null ? ` (not all within ${SUBMIT_WAIT_MS / 1000} s)` : ` in ${result.reachedProviderS} s`}; ${result.calls.mean} calls/s (busiest second ${result.calls.busiestSecond})`,
    );
    return result;
  } finally {
    await stopEnv(env);
  }
}

// ---------- one job count ----------

async function scaleRun(jobs: number, withScaleOut: boolean): Promise<ScaleRun> {
  // As every case of the bench does: first let other work on the machine stop (bounded).
  const before = await waitForQuiet(QUIET_CPUS, QUIET_MAX_WAIT_MS);
  if (before.busyCpus >= QUIET_CPUS)
    log(`scale ${jobs}: the machine is not quiet (${before.busyCpus.toFixed(2)} CPUs busy); measuring anyway`);
  const env = await startEnv(String(jobs), BUDGET);
  const rss = sampleRss(env.app.pid, 250);
  const feeds: Feed[] = [];
  try {
    // The running jobs, and finished ones whose metadata the feed rounds change (nothing else touches them).
    const t = performance.now();
    const specs = [
      ...Array.from({ length: GUARDED }, (_, i) => ({ alias: `scale-g-${i}`, shape: GUARD_SHAPE, trained: 0.5 })),
      ...Array.from({ length: jobs - GUARDED }, (_, i) => ({
        alias: `scale-q-${i}`,
        shape: QUIET_SHAPE,
        trained: 0.1 + 0.7 * Math.random(),
      })),
    ];
    const seeded = await seedRunning(env, specs);
    await env.admin.query(
      `INSERT INTO finetuning_jobs (id, alias, db_connection_id, status, model_name, golden_records, created_by, created_at, updated_at, finished_at)
       SELECT uuidv7(), 'scale-feed-' || lpad(g::text, 3, '0'), $1, 'succeeded', $2, $3::uuid[], 'bench',
              now() - interval '2 hours', now() - interval '1 hour', now() - interval '1 hour'
       FROM generate_series(1, $4::int) AS g`,
      [env.connectionId, MODEL, env.goldenIds, 2 * FEED_CHANGES],
    );
    await env.admin.query("VACUUM (ANALYZE) finetuning_jobs");
    await env.sandboxAdmin.query("VACUUM (ANALYZE) sandbox.jobs");
    const guarded = seeded.filter((s) => s.alias.startsWith("scale-g-"));
    const price = await recordPrice(env, guarded[0]!.id);
    const seedMs = performance.now() - t;
    const seededAt = Date.now();
    log(`scale ${jobs}: seeded ${seeded.length} running jobs in ${seedMs.toFixed(0)} ms (price ${price} USD per 1M training tokens)`);

    const quiet = await quietPhase(env, jobs, seeded, seededAt);

    // ---- the live feed, on the quiet fleet ----
    const feedRss = sampleRss(env.app.pid, 100);
    const openedFrom = Date.now();
    for (let i = 0; i < FEEDS; i += 20)
      feeds.push(...(await Promise.all(Array.from({ length: Math.min(20, FEEDS - i) }, () => openFeed(env)))));
    const refused = feeds.filter((f) => f.status !== 200).length;
    if (refused) log(`scale ${jobs}: ${refused} of ${FEEDS} feeds were refused`);
    // Every feed subscribed (by the app's own gauge) before the first change.
    let gauge = 0;
    await until(async () => {
      gauge = (await scrape(env.app.metrics)).find((s) => s.name === "live_feed_subscribers")?.value ?? 0;
      return gauge >= FEEDS - refused;
    }, 30_000);
    const openS = seconds(Date.now() - openedFrom);
    const { rows: feedRows } = await env.admin.query<{ id: string }>(
      "SELECT id::text FROM finetuning_jobs WHERE alias LIKE 'scale-feed-%' ORDER BY alias",
    );
    const feedIds = feedRows.map((r) => r.id);
    const open = feeds.filter((f) => f.status === 200);
    const quietRound = await feedRound(env, open, feedIds.slice(0, FEED_CHANGES), FEED_MS);
    log(
      `scale ${jobs}: feed: ${open.length} subscribers; a change reached the last after p50 ${quietRound.latencyMs.p50.toFixed(0)} ms, p99 ${quietRound.latencyMs.p99.toFixed(0)} ms${quietRound.latencyMs.censored ? ` (${quietRound.latencyMs.censored} missed by a subscriber)` : ""}; the event log skipped ${quietRound.eventIdsSkipped} ids meanwhile`,
    );

    // ---- jobs at Together, seeded only now: the ones the urgent phase cancels ----
    // (A running Together job makes the event log's ids skip, which the live feed waits out: the quiet round is measured without them.)
    const togetherIds = (
      await seedRunning(
        env,
        Array.from({ length: CANCELS }, (_, i) => ({ alias: `scale-cancel-${i}`, shape: QUIET_SHAPE, trained: 0.5 })),
        "together",
      )
    ).map((s) => s.id);

    // ---- urgent, with the feed still open ----
    const duringUrgent = sleep(5_000).then(() => feedRound(env, open, feedIds.slice(FEED_CHANGES), FEED_MS));
    const urgent = await urgentPhase(env, jobs, togetherIds, guarded, price);
    const urgentRound = await duringUrgent;
    const feedMemory = feedRss.stop();
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    const feed: ScaleRun["feed"] = {
      subscribers: open.length,
      openS,
      subscribedBeforeChanges: gauge,
      quiet: quietRound,
      duringUrgent: urgentRound,
      appRssPeakMb: round(feedMemory.peakRssMb, 0) ?? 0,
    };
    log(
      `scale ${jobs}: feed during the urgent phase: p50 ${urgentRound.latencyMs.p50.toFixed(0)} ms, p99 ${urgentRound.latencyMs.p99.toFixed(0)} ms${urgentRound.latencyMs.censored ? ` (${urgentRound.latencyMs.censored} missed by a subscriber)` : ""}, ${urgentRound.eventIdsSkipped} event ids skipped; app RSS peak ${feed.appRssPeakMb} MB`,
    );

    // ---- 2 apps + 2 workers ----
    let scaleOut: ScaleRun["scaleOut"] = null;
    if (withScaleOut) {
      const appB = await startApp(env, "app B");
      env.extra.push(appB.child);
      const workerB = await startWorkerProcess(env, "worker 2");
      env.extra.push(workerB.child);
      const before = [stepsTaken(await scrape(env.worker.metrics)), stepsTaken(await scrape(workerB.metrics))];
      const from = Date.now();
      await sleep(SCALE_OUT_MS);
      const to = Date.now();
      const after = [stepsTaken(await scrape(env.worker.metrics)), stepsTaken(await scrape(workerB.metrics))];
      scaleOut = {
        apps: 2,
        workers: 2,
        calls: callRate(await fetchHits(env), 0, from, to, BUDGET.openai),
        stepsByWorker: after.map((n, i) => n - (before[i] ?? 0)),
      };
      log(
        `scale ${jobs}: 2 apps + 2 workers: ${scaleOut.calls.mean} calls/s, busiest second ${scaleOut.calls.busiestSecond} (budget ${BUDGET.openai}); steps by worker ${scaleOut.stepsByWorker.join(" / ")}`,
      );
    }

    const end = Date.now();
    const hits = await fetchHits(env);
    if (process.env.BENCH_SCALE_HITS_DIR) await dumpHits(env, process.env.BENCH_SCALE_HITS_DIR);
    return {
      jobs,
      seeded: { quiet: jobs - GUARDED, guarded: GUARDED, together: CANCELS, feedJobs: 2 * FEED_CHANGES, seedMs: round(seedMs, 0) ?? 0 },
      quiet,
      feed,
      urgent,
      callsAll: { openai: callRate(hits, 0, seededAt, end, BUDGET.openai), together: callRate(hits, 1, seededAt, end, BUDGET.together) },
      appRssPeakMb: round(rss.stop().peakRssMb, 0) ?? 0,
      scaleOut,
    };
  } catch (error) {
    if (env.output.length) console.error(`last lines of the scale environment's output:\n${env.output.slice(-30).join("\n")}`);
    if (process.env.BENCH_SCALE_HITS_DIR)
      await fetchHits(env).then(
        () => dumpHits(env, process.env.BENCH_SCALE_HITS_DIR ?? "."),
        () => undefined,
      );
    throw error;
  } finally {
    rss.stop();
    await Promise.all(feeds.map((f) => f.close()));
    await stopEnv(env);
  }
}

/** A warm-up, then a window with nothing asked of the product: its CPU, the provider calls, how stale the views grow. */
async function quietPhase(env: Env, jobs: number, seeded: Seeded[], seededAt: number): Promise<ScaleRun["quiet"]> {
  await sleep(WARMUP_MS);
  const from = Date.now();
  const cpu0 = cpuMark(env);
  const metrics0 = await scrape(env.worker.metrics);
  const statements = sampleActiveStatements(env);
  await sleep(WINDOW_MS);
  const cpu1 = cpuMark(env);
  const busyWith = await statements.stop();
  const to = Date.now();
  const metrics1 = await scrape(env.worker.metrics);
  const { rows } = await env.admin.query<{ n: number; never: number; inWindow: number; p50: number; p99: number; max: number }>(
    `WITH s AS (
       SELECT provider_polled_at IS NULL AS never, provider_polled_at >= $2::timestamptz AS in_window,
              extract(epoch FROM clock_timestamp() - coalesce(provider_polled_at, $1::timestamptz))::float8 AS age
       FROM finetuning_jobs WHERE alias LIKE 'scale-q-%' AND status = 'running')
     SELECT count(*)::int AS n, count(*) FILTER (WHERE never)::int AS never, count(*) FILTER (WHERE in_window)::int AS "inWindow",
            percentile_disc(0.5) WITHIN GROUP (ORDER BY age) AS p50, percentile_disc(0.99) WITHIN GROUP (ORDER BY age) AS p99, max(age) AS max
     FROM s`,
    [new Date(seededAt), new Date(from)],
  );
  const stale = rows[0]!;
  const hits = await fetchHits(env);
  const quietIds = new Set(seeded.filter((s) => s.alias.startsWith("scale-q-")).map((s) => s.providerJobId));
  const gets = hits.filter((h) => h[1] === 0 && h[2] === "GET" && h[0] >= from && h[0] < to && quietIds.has(h[3].split("/").at(-1) ?? ""));
  const windowS = (to - from) / 1000;
  const quiet: ScaleRun["quiet"] = {
    warmupS: WARMUP_MS / 1000,
    cpu: cpuWindow(cpu0, cpu1),
    calls: callRate(hits, 0, from, to, BUDGET.openai),
    staleness: {
      jobs: stale.n,
      neverRead: stale.never,
      p50: round(stale.p50, 1) ?? 0,
      p99: round(stale.p99, 1) ?? 0,
      max: round(stale.max, 1) ?? 0,
    },
    readInWindow: stale.inWindow,
    impliedCycleS: stale.inWindow > 0 ? (round((stale.n * windowS) / stale.inWindow, 0) ?? null) : null,
    jobGetsPerSecond: round(gets.length / windowS, 2) ?? 0,
    jobsGot: new Set(gets.map((h) => h[3])).size,
    histogram: stalenessHistogram(metrics0, metrics1),
    providerLatencyMs: providerLatency(hits, from, to),
    jobGetMs: providerLatency(hits, from, to)["openai GET /v1/fine_tuning/jobs/{id}"]?.p50 ?? null,
    postgresBusyWith: busyWith,
  };
  log(
    `scale ${jobs}: quiet: product ${quiet.cpu.productCores} cores (app ${quiet.cpu.appCores}, worker ${quiet.cpu.workerCores}, Postgres ${quiet.cpu.postgresCores}); ${quiet.calls.mean} calls/s (busiest second ${quiet.calls.busiestSecond}); staleness p99 ${quiet.staleness.p99} s (${quiet.staleness.neverRead} never read; ${quiet.readInWindow} read in the window → each every ~${quiet.impliedCycleS} s)`,
  );
  return quiet;
}

/**
 * Cancels the Together jobs and gives the guarded jobs a cost limit their
 * curve crosses GUARD_LEAD_MS later, then waits for the guardrails to act
 * (at most GUARD_WAIT_MS past the last crossing; at least URGENT_MIN_MS).
 */
async function urgentPhase(env: Env, jobs: number, togetherIds: string[], guarded: Seeded[], price: number): Promise<ScaleRun["urgent"]> {
  const offsetMs = await sandboxOffsetMs(env);
  const from = Date.now();
  const totalSteps = (job: Seeded) => job.shape.examples * job.shape.epochs;
  // When the sandbox reaches a step, by the wall clock (its steps come at even times through the hour).
  const stepWall = (job: Seeded, step: number) => job.stageStartedMs + (step / totalSteps(job)) * RUNNING_MS + offsetMs;
  // The product's cost so far: training file tokens × epochs × price × step / total steps.
  const usdPerStep = (job: Seeded) => (job.shape.tokens * job.shape.epochs * price) / 1e6 / totalSteps(job);
  const crossings = new Map<string, number>();
  const setAt = new Map<string, number>();
  const cancelErrors: string[] = [];
  await Promise.all([
    ...togetherIds.map(async (id) => {
      const { status, body } = await api(env, "POST", `/finetunings/${id}/cancel`);
      if (status !== 200) {
        cancelErrors.push(`${status}: ${JSON.stringify(body).slice(0, 200)}`);
        log(`scale ${jobs}: cancelling a Together job answered ${status}`);
      }
    }),
    ...guarded.map(async (job) => {
      let step = 1;
      while (step < totalSteps(job) && stepWall(job, step) < Date.now() + GUARD_LEAD_MS) step++;
      crossings.set(job.id, stepWall(job, step));
      // Half a step's cost below the step's: crossed exactly when the provider reports that step.
      const limit = Number(((step - 0.5) * usdPerStep(job)).toFixed(6));
      const { status, body } = await api(env, "PUT", `/finetunings/${job.id}/guardrails`, {
        guardrails: { max_cost_usd: { limit, action: "cancel" } },
      });
      if (status !== 200) throw new Error(`setting a guardrail answered ${status}: ${JSON.stringify(body)}`);
      setAt.set(job.id, Date.now());
    }),
  ]);
  const lastCrossing = Math.max(...crossings.values());
  const actedAt = new Map<string, number>();
  const recordedAt = new Map<string, number>();
  const readActs = async () => {
    const { rows } = await env.admin.query<{ job_id: string; kind: string; at: Date }>(
      `SELECT job_id::text, kind::text, min(at) AS at FROM job_events
       WHERE job_id = ANY($1::uuid[]) AND actor = 'guardrail' AND kind IN ('status_change', 'guardrail_triggered') GROUP BY 1, 2`,
      [guarded.map((g) => g.id)],
    );
    for (const r of rows) (r.kind === "status_change" ? actedAt : recordedAt).set(r.job_id, r.at.getTime());
  };
  await until(
    async () => {
      await readActs();
      return actedAt.size === guarded.length && Date.now() - from >= URGENT_MIN_MS;
    },
    Math.max(URGENT_MIN_MS, lastCrossing + GUARD_WAIT_MS - from),
  );
  await readActs();
  const to = Date.now();
  const hits = await fetchHits(env);

  // The jobs whose cancel the provider accepted (the product holds them as cancelling until it confirms).
  const { rows: providerIds } = await env.admin.query<{ pid: string }>(
    "SELECT finetuning_job_id AS pid FROM finetuning_jobs WHERE id = ANY($1::uuid[]) AND status IN ('cancelling', 'cancelled') AND finetuning_job_id IS NOT NULL",
    [togetherIds],
  );
  const cancelIntervals: number[] = [];
  for (const { pid } of providerIds) {
    const cancel = hits.find((h) => h[1] === 1 && h[2] === "POST" && h[0] >= from && h[3].endsWith(`/${pid}/cancel`));
    const start = cancel?.[0] ?? from;
    // Together's job list shows every job's status: a list read is a read of a cancel's confirmation too.
    cancelIntervals.push(...intervals(start, readsOf(hits, pid, start, to, "/v1/fine-tunes"), to));
  }
  const guardIntervals: number[] = [];
  const guardIntervalsAfterFirst: number[] = [];
  const latencies: number[] = [];
  const recorded: number[] = [];
  let notActed = 0;
  for (const job of guarded) {
    const start = setAt.get(job.id) ?? from;
    const cancel = hits.find((h) => h[1] === 0 && h[2] === "POST" && h[0] >= start && h[3].endsWith(`/${job.providerJobId}/cancel`));
    const end = cancel?.[0] ?? to;
    const gaps = intervals(start, readsOf(hits, job.providerJobId, start, end), end);
    guardIntervals.push(...gaps);
    guardIntervalsAfterFirst.push(...gaps.slice(1));
    const crossing = crossings.get(job.id)!;
    const acted = actedAt.get(job.id);
    if (acted === undefined) notActed++;
    latencies.push(((acted ?? to) - crossing) / 1000);
    const trip = recordedAt.get(job.id);
    if (trip !== undefined) recorded.push((trip - crossing) / 1000);
  }
  const urgent: ScaleRun["urgent"] = {
    seconds: seconds(to - from),
    cancelReadIntervalsS: censored(cancelIntervals),
    guardReadIntervalsS: censored(guardIntervals),
    guardReadIntervalsAfterFirstS: censored(guardIntervalsAfterFirst),
    tripLatencyS: censored(latencies, notActed),
    tripRecordedLatencyS: stats(recorded),
    acted: actedAt.size,
    cancelErrors,
    crossingsInS: [...crossings.values()].map((c) => seconds(c - from)),
    calls: { openai: callRate(hits, 0, from, to, BUDGET.openai), together: callRate(hits, 1, from, to, BUDGET.together) },
    providerLatencyMs: providerLatency(hits, from, to),
  };
  log(
    `scale ${jobs}: urgent: cancelled jobs read every p99 ${urgent.cancelReadIntervalsS.p99.toFixed(1)} s; guarded jobs p99 ${urgent.guardReadIntervalsS.p99.toFixed(1)} s (after the first read ${urgent.guardReadIntervalsAfterFirstS.p99.toFixed(1)} s); trips acted on ${urgent.acted}/${guarded.length}, p99 ${urgent.tripLatencyS.p99.toFixed(1)} s after the crossing`,
  );
  return urgent;
}

/** The section: submission in an environment of its own, then each job count in turn. */
export async function measureScale(counts = scaleJobCounts()): Promise<ScaleResult> {
  const submitted = process.env.BENCH_SCALE_SUBMIT === "off" ? null : await submission();
  const runs: ScaleRun[] = [];
  for (const [i, n] of counts.entries()) runs.push(await scaleRun(n, i === 0));
  return {
    submission: submitted,
    runs,
    settings: {
      jobCounts: counts,
      warmupMs: WARMUP_MS,
      windowMs: WINDOW_MS,
      budgets: { ...BUDGET, submission: SUBMIT_BUDGET },
      workerPollMs: 1_000,
      sandbox: { openai: OPENAI_TIMINGS, together: TOGETHER_TIMINGS, seededQuietJob: QUIET_SHAPE, seededGuardedJob: GUARD_SHAPE },
      processes:
        "app: npm start's command with WORKER=off; worker: scripts/worker.ts; provider: tests/bench/scale-sandbox.ts (its own Postgres)",
      liveFeedMaxPerUser: FEEDS_PER_USER,
      seeded:
        "running jobs are seeded (product rows + sandbox jobs), never read by the product; submission goes through POST /api/v1/finetunings; the cancelled Together jobs are seeded just before they are cancelled through the API; guardrails are set through the API",
    },
  };
}

// ---------- verdicts ----------

const signed = (v: number, d = 1) => `${v >= 0 ? "+" : ""}${v.toFixed(d)}`;

function target(name: string, goal: number, measured: number | null, unit: string, note = ""): Target {
  if (measured === null || !Number.isFinite(measured))
    return { name, target: `≤ ${goal} ${unit}`, measured: null, unit, pass: null, gap: note || "not measured" };
  const gap = `${signed(measured - goal, unit === "cores" ? 3 : 1)} ${unit}${note ? `; ${note}` : ""}`;
  return { name, target: `≤ ${goal} ${unit}`, measured: round(measured, 3), unit, pass: measured <= goal, gap };
}

const missedNote = (c: Censored, what: string) => (c.censored ? `${c.censored} ${what}` : "");

/** Each figure of the section against its target. */
export function scaleTargets(result: ScaleResult): Target[] {
  const out: Target[] = [];
  const s = result.submission;
  if (s)
    out.push(
      target(
        `submission: ${s.jobs} created jobs reach the provider, budget ${s.budget}/s`,
        SUBMIT_S,
        s.reachedProviderS ?? s.waitedS,
        "s",
        s.reachedProviderS === null ? `only ${s.reachedProvider} of ${s.created} within ${s.waitedS} s` : "",
      ),
      target(`submission: provider calls, busiest second (budget ${s.budget})`, s.budget, s.calls.busiestSecond, "calls"),
    );
  for (const r of result.runs) {
    const n = r.jobs.toLocaleString("en");
    const calls = r.callsAll.openai;
    const first = out.length;
    out.push(
      target(`${n} running: provider calls, busiest second (budget ${calls.budget})`, calls.budget, calls.busiestSecond, "calls"),
      target(`${n} running: provider calls a second, mean`, calls.budget, calls.mean, "calls/s"),
      target(
        `${n} running: staleness of a quiet running job, p99 (seeded)`,
        QUIET_STALENESS_S,
        r.quiet.staleness.p99,
        "s",
        `${r.quiet.staleness.neverRead > r.quiet.staleness.jobs / 100 ? `a lower bound: ${r.quiet.staleness.neverRead} never read (counted from their seeding)` : `${r.quiet.staleness.neverRead} never read`}; ${r.quiet.readInWindow} of ${r.quiet.staleness.jobs} read in the ${r.quiet.cpu.seconds} s window → each every ~${r.quiet.impliedCycleS ?? "∞"} s`,
      ),
      target(
        `${n} running: a job being cancelled (Together), interval between reads, p99`,
        URGENT_STALENESS_S,
        r.urgent.cancelReadIntervalsS.p99,
        "s",
        r.urgent.cancelErrors.length
          ? `${r.urgent.cancelErrors.length} of ${r.seeded.together} cancels were refused (${[...new Set(r.urgent.cancelErrors.map((e) => e.slice(0, 3)))].join(", ")}), the rest measured`
          : "",
      ),
      target(
        `${n} running: a guardrail near its limit, interval between reads, p99 (seeded)`,
        URGENT_STALENESS_S,
        r.urgent.guardReadIntervalsS.p99,
        "s",
        `after its first read ${r.urgent.guardReadIntervalsAfterFirstS.p99.toFixed(1)} s`,
      ),
      target(
        `${n} running: idle CPU of app + worker + Postgres (seeded, quiet)`,
        IDLE_CORES,
        r.quiet.cpu.productCores,
        "cores",
        r.quiet.cpu.othersCores > NOISE_CPUS ? `noisy: other work used ${r.quiet.cpu.othersCores} CPUs meanwhile` : "",
      ),
      target(
        `${n} running: a change reaches the ${r.feed.subscribers}th feed subscriber, p99`,
        FEED_MS,
        r.feed.quiet.latencyMs.p99,
        "ms",
        missedNote(r.feed.quiet.latencyMs, "changes some subscriber never had within 10 s"),
      ),
      target(
        `${n} running: the same while cancels are confirmed and guardrails act, p99`,
        FEED_MS,
        r.feed.duringUrgent.latencyMs.p99,
        "ms",
        missedNote(r.feed.duringUrgent.latencyMs, "changes some subscriber never had within 10 s"),
      ),
      target(`${n} running: app RSS with ${r.feed.subscribers} feed subscribers`, FEED_RSS_MB, r.feed.appRssPeakMb, "MB"),
      target(
        `${n} running: guardrail trip acted on after the provider's crossing, p99 (seeded)`,
        GUARD_S,
        r.urgent.tripLatencyS.p99,
        "s",
        missedNote(r.urgent.tripLatencyS, `of ${r.seeded.guarded} not acted on by the phase's end (counted until then)`),
      ),
    );
    // A slow provider stand-in says so on every figure of the run.
    if ((r.quiet.jobGetMs ?? 0) > PROVIDER_SLOW_MS)
      for (const t of out.slice(first))
        t.gap += `; provider-bound: the sandbox answered a job's GET in p50 ${r.quiet.jobGetMs} ms (docs/BENCHMARKS.md, "Scale")`;
    if (r.scaleOut)
      out.push(
        target(
          `${n} running, 2 apps + 2 workers: provider calls, busiest second (budget ${r.scaleOut.calls.budget})`,
          r.scaleOut.calls.budget,
          r.scaleOut.calls.busiestSecond,
          "calls",
          `mean ${r.scaleOut.calls.mean}/s; steps by worker ${r.scaleOut.stepsByWorker.join(" / ")}`,
        ),
      );
  }
  return out;
}

export function printTargets(title: string, targets: Target[]): void {
  console.log(`\n${title}:`);
  for (const t of targets)
    console.log(
      `  ${t.pass === null ? "n/a " : t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.measured ?? "—"} ${t.unit} (target ${t.target}; gap ${t.gap})`,
    );
}
