// What a sweep's early-stopping decision costs the worker, per new metric
// step, at 32 runs: the worker's pass (find the sweeps with new metric rows,
// judge the runs that reached a milestone, record the decisions) timed after
// each batch of new steps, which are inserted outside the timing. Two cases:
// every run reports a step (32 new steps per pass) and one run does (1).
import { performance } from "node:perf_hooks";
import { quietly } from "./cases";
import { log, type BenchContext } from "./context";
import { insertJobs } from "./harness";
import { stats, type Stats } from "./lib";

export const SWEEP_RUNS = 32;
const STEPS = 160;
const ONE_STEPS = 10;
/** The target: at most this many ms of worker time per new metric step. */
export const SWEEP_TARGET_MS_PER_STEP = 5;

export type SweepBenchResult = {
  runs: number;
  /** ms per new metric step when all runs report a step each pass. */
  perStepAllRuns: Stats;
  /** ms per pass when one run has reported one new step. */
  perStepOneRun: Stats;
  decisions: number;
  targetMsPerStep: number;
  met: boolean;
};

async function seedSweep(ctx: Pick<BenchContext, "admin" | "connectionId">, runs: number): Promise<{ sweepId: string; jobIds: string[] }> {
  const jobIds = await insertJobs(ctx.admin, ctx.connectionId, 1, runs, `sweep-bench-${Date.now().toString(36)}`);
  const { rows } = await ctx.admin.query<{ id: string }>(
    `INSERT INTO sweeps (id, name, status, db_connection_id, model_provider, model_name, golden_records, max_concurrent, early_stopping, updated_at)
     VALUES (uuidv7(), 'bench', 'running', $1, 'openai', 'gpt-4o-mini-2024-07-18', '{}', $2,
             '{"policy": "asha", "metric": "valid_loss", "min_steps": 5, "reduction_factor": 2}', now()) RETURNING id`,
    [ctx.connectionId, runs],
  );
  const sweepId = rows[0]!.id;
  await ctx.admin.query(
    `INSERT INTO sweep_runs (sweep_id, position, parameters, job_id)
     SELECT $1, n - 1, jsonb_build_object('learning_rate_multiplier', n * 0.25), id FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [sweepId, jobIds],
  );
  await ctx.admin.query("UPDATE finetuning_jobs SET sweep_id = $1 WHERE id = ANY($2::uuid[])", [sweepId, jobIds]);
  return { sweepId, jobIds };
}

/** One metric row per job at `step`: a falling loss whose floor differs by run, validation every 5 steps. */
async function addStep(ctx: Pick<BenchContext, "admin">, jobIds: string[], step: number): Promise<void> {
  await ctx.admin.query(
    `INSERT INTO job_metrics (job_id, step, total_steps, train_loss, valid_loss, at)
     SELECT id, $2::int, 1000, 0.3 + n * 0.02 + 2 * exp(-$2::int / 40.0) + 0.01 * random(),
            CASE WHEN $2::int % 5 = 0 THEN 0.35 + n * 0.02 + 2 * exp(-$2::int / 40.0) END, now()
     FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [jobIds, step],
  );
}

export async function measureSweepDecisions(ctx: Pick<BenchContext, "admin" | "connectionId">): Promise<SweepBenchResult> {
  const { db } = await import("../../server/db");
  const { decideSweep, sweepsWithNewMetrics } = await import("../../server/sweeps/decide");
  const database = db();
  const pass = async () => {
    for (const { sweepId } of await sweepsWithNewMetrics(database)) await decideSweep({ db: database, sweepId });
  };
  const all = await seedSweep(ctx, SWEEP_RUNS);
  await quietly("the sweep decisions");
  const perStep: number[] = [];
  for (let step = 1; step <= STEPS; step++) {
    await addStep(ctx, all.jobIds, step);
    const t0 = performance.now();
    await pass();
    perStep.push((performance.now() - t0) / SWEEP_RUNS);
  }
  // One new step at a time: a run reports, the pass reads that one step.
  const one = await seedSweep(ctx, SWEEP_RUNS);
  const onePerPass: number[] = [];
  for (let step = 1; step <= ONE_STEPS; step++) {
    for (const jobId of one.jobIds) {
      await addStep(ctx, [jobId], step);
      const t0 = performance.now();
      await pass();
      onePerPass.push(performance.now() - t0);
    }
  }
  const { rows } = await ctx.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM sweep_decisions WHERE sweep_id = ANY($1::uuid[])", [
    [all.sweepId, one.sweepId],
  ]);
  const result = {
    runs: SWEEP_RUNS,
    perStepAllRuns: stats(perStep),
    perStepOneRun: stats(onePerPass),
    decisions: rows[0]?.n ?? 0,
    targetMsPerStep: SWEEP_TARGET_MS_PER_STEP,
    met: stats(perStep).p50 <= SWEEP_TARGET_MS_PER_STEP && stats(onePerPass).p50 <= SWEEP_TARGET_MS_PER_STEP,
  };
  log(
    `sweep decisions at ${SWEEP_RUNS} runs: p50 ${result.perStepAllRuns.p50.toFixed(3)} ms p99 ${result.perStepAllRuns.p99.toFixed(3)} ms per new metric step when all report, p50 ${result.perStepOneRun.p50.toFixed(3)} ms for a pass after one new step (${result.decisions} decisions; target ≤ ${SWEEP_TARGET_MS_PER_STEP} ms: ${result.met ? "met" : "missed"})`,
  );
  return result;
}
