// A job's training curves at 10,000 steps: the metrics read called
// in this process, on unchanged curves (what every refetch of a watched job
// hits) and right after a new step arrived (the curves are recomputed); the
// same over REST; and the detail page in Chromium, from navigation to the loss
// chart drawn (the page's server render reads the curves, so no request
// stands between hydration and the chart).
import { existsSync } from "node:fs";
import { chromium } from "playwright";
import { loadCase, quietly, timeCalls, type CaseResult } from "./cases";
import { CHROMIUM, log, SKIP, type BenchContext } from "./context";
import { insertJobs } from "./harness";
import { stats, type Stats } from "./lib";
import { CHROMIUM_ARGS, signIn, waitInPage } from "./ui";

export const METRIC_POINTS = 10_000;
const TOTAL_STEPS = 12_000;
const ITERATIONS = 1_000;
const FRESH_ITERATIONS = 200;
const CHART_LOADS = Number(process.env.BENCH_CHART_LOADS ?? 15);

export type ChartResult =
  | { available: false; reason: string }
  | {
      available: true;
      /** Navigation start → the training-loss line drawn (SVG path in the DOM), ms. */
      navigationToChartMs: Stats;
      /** Navigation start → the page's HTML parsed (DOMContentLoaded ended), the same loads, ms: what of the above is the server's and the network's. */
      navigationToDomReadyMs: Stats;
      /** Points in the drawn train-loss series (the downsampled curve). */
      pointsDrawn: number;
    };

export type MetricsResult = {
  points: number;
  serverSide: { unchanged: Stats; afterNewStep: Stats; busyCpusBefore: number };
  rest: CaseResult | { available: false; reason: string };
  chart: ChartResult;
};

/** A running job with METRIC_POINTS steps (train loss and accuracy every step, validation every 50) and three checkpoints. */
export async function seedMetricsJob(ctx: Pick<BenchContext, "admin" | "connectionId">): Promise<string> {
  const [id] = await insertJobs(ctx.admin, ctx.connectionId, 1, 1, "metrics-bench", "now() + interval '1 hour'");
  if (!id) throw new Error("no job inserted");
  await ctx.admin.query(
    `INSERT INTO job_metrics (job_id, step, total_steps, train_loss, train_mean_token_accuracy, valid_loss, at)
     SELECT $1, g, $3, 2.5 * exp(-g / 3000.0) + 0.3 + 0.08 * random(), 0.5 + 0.4 * (1 - exp(-g / 3000.0)),
            CASE WHEN g % 50 = 0 THEN 2.5 * exp(-g / 3000.0) + 0.35 + 0.04 * random() END,
            now() - make_interval(secs => $2 - g)
     FROM generate_series(1, $2::int) AS g`,
    [id, METRIC_POINTS, TOTAL_STEPS],
  );
  await ctx.admin.query(
    `INSERT INTO job_checkpoints (job_id, provider_checkpoint_id, model, step, metrics, created_at)
     SELECT $1, 'ftckpt-bench-' || s, 'ft:gpt-4o-mini-2024-07-18:bench::ckpt-step-' || s, s, '{"trainLoss": 0.5}', now()
     FROM unnest(ARRAY[3000, 6000, 9000]) AS s`,
    [id],
  );
  await ctx.admin.query("UPDATE finetuning_jobs SET step = $2, total_steps = $3 WHERE id = $1", [id, METRIC_POINTS, TOTAL_STEPS]);
  await ctx.admin.query("VACUUM (ANALYZE) job_metrics");
  return id;
}

export async function measureMetrics(ctx: BenchContext): Promise<MetricsResult> {
  const { getJobMetrics } = await import("../../server/finetuning/training-curves");
  const { MAX_POINTS_DEFAULT } = await import("../../server/finetuning/training-curves-schema");
  const { db } = await import("../../server/db");
  const database = db();
  const id = await seedMetricsJob(ctx);
  const read = () => getJobMetrics({ db: database, id, maxPoints: MAX_POINTS_DEFAULT });
  const first = await read();
  if (first.raw_count !== METRIC_POINTS || first.series.train_loss.length !== MAX_POINTS_DEFAULT)
    throw new Error(`the metrics read answered ${first.raw_count} steps, ${first.series.train_loss.length} points`);

  const busyCpusBefore = await quietly("the in-process metrics read");
  const unchanged = await timeCalls(ITERATIONS, 100, read);
  const rest = SKIP.has("rest")
    ? ({ available: false, reason: "skipped (BENCH_SKIP=rest)" } as const)
    : await loadCase({
        name: `metrics, ${METRIC_POINTS.toLocaleString("en")} steps (REST)`,
        spec: {
          host: "127.0.0.1",
          port: ctx.app.port,
          kind: "get",
          path: `/api/v1/finetunings/${id}/metrics`,
          authorization: ctx.authorization,
          concurrency: 1,
          warmupMs: 1_000,
          durationMs: 5_000,
          expect: '"train_loss"',
        },
        tmp: ctx.tmp,
        serverPid: ctx.app.pid,
        pgDataDir: ctx.pgDataDir,
      });
  const chart = await measureChart(ctx, id);
  if (chart.available)
    log(
      `detail page: navigation → loss chart drawn p50 ${chart.navigationToChartMs.p50.toFixed(1)} ms (${chart.pointsDrawn} points); navigation → DOMContentLoaded p50 ${chart.navigationToDomReadyMs.p50.toFixed(1)} ms`,
    );
  else log(`detail page chart: not available (${chart.reason})`);
  // Last, as it adds steps: each read follows one new step (inserted outside the timing), so each recomputes the curves.
  let step = METRIC_POINTS;
  const fresh: number[] = [];
  for (let i = 0; i < FRESH_ITERATIONS; i++) {
    step++;
    await ctx.admin.query("INSERT INTO job_metrics (job_id, step, total_steps, train_loss, at) VALUES ($1, $2, $3, 0.4, now())", [
      id,
      step,
      TOTAL_STEPS,
    ]);
    const t0 = performance.now();
    await read();
    fresh.push(performance.now() - t0);
  }
  const serverSide = { unchanged, afterNewStep: stats(fresh), busyCpusBefore };
  log(
    `metrics read in-process at ${METRIC_POINTS.toLocaleString("en")} steps: unchanged p50 ${unchanged.p50.toFixed(3)} ms p99 ${unchanged.p99.toFixed(3)}; after a new step p50 ${serverSide.afterNewStep.p50.toFixed(3)} ms p99 ${serverSide.afterNewStep.p99.toFixed(3)}`,
  );

  return { points: METRIC_POINTS, serverSide, rest, chart };
}

// Installed before the page's own scripts on every load: when the training
// line's path appears.
export const CHART_PROBE = `(() => {
  const probe = { drawnAt: 0, points: 0, done: false };
  window.__chartProbe = probe;
  const check = () => {
    if (probe.done) return;
    const figure = document.querySelector('figure[aria-label="Loss chart"]');
    const path = figure?.querySelector(".recharts-line-curve");
    if (!path || (path.getAttribute("d") ?? "").length < 100) return;
    probe.drawnAt = performance.now();
    probe.points = Number(figure.getAttribute("data-points"));
    probe.done = true;
    observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true });
})()`;

async function measureChart(ctx: BenchContext, id: string): Promise<ChartResult> {
  if (SKIP.has("ui")) return { available: false, reason: "skipped (BENCH_SKIP=ui)" };
  if (!existsSync(CHROMIUM)) return { available: false, reason: `no Chromium at ${CHROMIUM}` };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    if (!(await signIn(page, { baseUrl: ctx.app.baseUrl, ...ctx.operator })))
      return { available: false, reason: "no sign-in form at /sign-in" };
    await page.addInitScript({ content: CHART_PROBE });
    await quietly("the detail page loads");
    const toChart: number[] = [];
    const toDomReady: number[] = [];
    let pointsDrawn = 0;
    for (let i = 0; i < CHART_LOADS + 1; i++) {
      await page.goto(`${ctx.app.baseUrl}/jobs/${id}`);
      await waitInPage(page, "window.__chartProbe?.done === true", 30_000);
      await page.waitForLoadState("domcontentloaded");
      const probe = await page.evaluate<{ drawnAt: number; points: number }>("window.__chartProbe");
      const domReady = await page.evaluate<number>('performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd ?? 0');
      if (i === 0) continue; // the first load warms the server's page and Chromium's caches
      toChart.push(probe.drawnAt);
      toDomReady.push(domReady);
      pointsDrawn = probe.points;
    }
    return { available: true, navigationToChartMs: stats(toChart), navigationToDomReadyMs: stats(toDomReady), pointsDrawn };
  } catch (error) {
    return { available: false, reason: `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  } finally {
    await browser.close();
  }
}
