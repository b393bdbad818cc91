import type { Db, TxClient } from "../db";
import { judge, milestonesFor, stopReason } from "./policies";
import { earlyStoppingSchema, type EarlyStopping, type SweepMetric } from "./schema";

// The early-stopping decisions. Work follows new metric steps: a pass reads
// only the runs whose job has more metric rows than the run has seen, and for
// each milestone one of them crossed, one indexed read of its value and the
// values recorded there before. Each decision is a row, unique per (sweep,
// run, milestone), written while holding the sweep's row: so no decision is
// made twice, concurrent workers never judge against each other's half-state,
// and a restart resumes from the rows (a stop not yet carried out is carried
// out by the next pass: see stop.ts).

type Pending = { sweepId: string };

/** The sweeps with a run that has metric rows not yet read. */
export async function sweepsWithNewMetrics(db: Db): Promise<Pending[]> {
  return db.$queryRaw<Pending[]>`
    SELECT DISTINCT r.sweep_id::text AS "sweepId"
    FROM sweeps s
    JOIN sweep_runs r ON r.sweep_id = s.id
    JOIN finetuning_jobs j ON j.id = r.job_id
    WHERE s.status IN ('running', 'paused') AND r.stopped_at_step IS NULL AND j.metrics_count > r.seen_metrics`;
}

type RunToRead = { position: number; jobId: string; seenStep: number; metricsCount: number };

/** The value of the sweep's metric at a milestone: its last report at or before it (NaN, a diverged run, reads as +∞). */
async function valueAt(
  tx: TxClient,
  jobId: string,
  step: number,
  wanted: SweepMetric,
): Promise<{ name: SweepMetric; value: number } | null> {
  const [row] = await tx.$queryRaw<Array<{ valid: number | null; train: number | null }>>`
    SELECT
      (SELECT valid_loss FROM job_metrics WHERE job_id = ${jobId}::uuid AND step <= ${step} AND valid_loss IS NOT NULL ORDER BY step DESC LIMIT 1) AS valid,
      (SELECT train_loss FROM job_metrics WHERE job_id = ${jobId}::uuid AND step <= ${step} AND train_loss IS NOT NULL ORDER BY step DESC LIMIT 1) AS train`;
  const finite = (v: number) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v);
  if (wanted === "valid_loss" && row?.valid !== null && row?.valid !== undefined) return { name: "valid_loss", value: finite(row.valid) };
  if (row?.train !== null && row?.train !== undefined) return { name: "train_loss", value: finite(row.train) };
  return null;
}

async function decideRun(tx: TxClient, sweep: { id: string; name: string; rule: EarlyStopping }, run: RunToRead): Promise<void> {
  const [top] = await tx.$queryRaw<Array<{ step: number | null }>>`
    SELECT max(step) AS step FROM job_metrics WHERE job_id = ${run.jobId}::uuid`;
  const reached = top?.step ?? 0;
  for (const milestone of milestonesFor(sweep.rule, reached)) {
    if (milestone <= run.seenStep) continue;
    const at = await valueAt(tx, run.jobId, milestone, sweep.rule.metric);
    if (!at) continue;
    const earlier = await tx.$queryRaw<Array<{ metric: number }>>`
      SELECT metric FROM sweep_decisions
      WHERE sweep_id = ${sweep.id}::uuid AND milestone = ${milestone} AND metric_name = ${at.name} AND job_id <> ${run.jobId}::uuid
      ORDER BY id`;
    const verdict = judge(
      sweep.rule,
      at.value,
      earlier.map((e) => e.metric),
    );
    const reason = verdict.stop
      ? stopReason({ sweep: sweep.name, rule: sweep.rule, metric: at.name, step: milestone, value: at.value, verdict })
      : `went on at step ${milestone}`;
    await tx.$executeRaw`
      INSERT INTO sweep_decisions (sweep_id, job_id, milestone, stop, metric_name, metric, threshold, peers, reason)
      VALUES (${sweep.id}::uuid, ${run.jobId}::uuid, ${milestone}, ${verdict.stop}, ${at.name}, ${at.value}, ${verdict.threshold}, ${verdict.peers}, ${reason})
      ON CONFLICT (sweep_id, job_id, milestone) DO NOTHING`;
    if (verdict.stop) break;
  }
  await tx.$executeRaw`
    UPDATE sweep_runs SET seen_metrics = GREATEST(seen_metrics, ${run.metricsCount}), seen_step = GREATEST(seen_step, ${reached})
    WHERE sweep_id = ${sweep.id}::uuid AND position = ${run.position}`;
}

/**
 * Judges the runs of one sweep that reached new milestones. Holds the
 * sweep's row for the whole pass; another worker holding it is left to it
 * (SKIP LOCKED), and what it did not read stays unread for the next pass.
 */
export async function decideSweep({ db, sweepId }: { db: Db; sweepId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const [sweep] = await tx.$queryRaw<Array<{ id: string; name: string; rule: unknown }>>`
      SELECT id::text, name, early_stopping AS rule FROM sweeps
      WHERE id = ${sweepId}::uuid AND status IN ('running', 'paused') FOR NO KEY UPDATE SKIP LOCKED`;
    if (!sweep) return;
    const rule = earlyStoppingSchema.parse(sweep.rule);
    const runs = await tx.$queryRaw<RunToRead[]>`
      SELECT r.position, r.job_id::text AS "jobId", r.seen_step AS "seenStep", j.metrics_count AS "metricsCount"
      FROM sweep_runs r JOIN finetuning_jobs j ON j.id = r.job_id
      WHERE r.sweep_id = ${sweepId}::uuid AND r.stopped_at_step IS NULL AND j.metrics_count > r.seen_metrics
        AND NOT EXISTS (SELECT 1 FROM sweep_decisions d WHERE d.sweep_id = r.sweep_id AND d.job_id = r.job_id AND d.stop)
      ORDER BY r.position`;
    for (const run of runs) await decideRun(tx, { id: sweep.id, name: sweep.name, rule }, run);
  });
}
