import type { Db, TxClient } from "../db";
import { judgeNewSteps, milestonesCrossed, type Decision, type RecordedValue, type RunProgress, type RunSteps } from "./judging";
import { earlyStoppingSchema } from "./schema";

// The early-stopping decisions. Work follows new metric steps: a run's new
// steps bump its sweep's metrics_version (a trigger on job_metrics), so a pass
// finds the sweeps to judge in an index of just those; for each, one statement
// reads every live run's steps after the step it was read up to, and, when a
// milestone was crossed, one reads the values recorded there before; the
// judging is arithmetic in memory (judging.ts); one statement writes the
// decisions, where each run's reading stands, and the version judged. Each
// decision is a row, unique per (sweep, run, milestone), written while holding
// the sweep's row: so no decision is made twice, concurrent workers never
// judge against each other's half-state, and a restart resumes from the rows
// (a stop not yet carried out is carried out by the next pass: see stop.ts).

type Pending = { sweepId: string };

/** The sweeps with metric steps not yet judged. */
export async function sweepsWithNewMetrics(db: Db): Promise<Pending[]> {
  return db.$queryRaw<Pending[]>`
    SELECT id::text AS "sweepId" FROM sweeps
    WHERE metrics_version > decided_version AND status IN ('running', 'paused')`;
}

type StepRow = {
  position: number;
  jobId: string;
  seenStep: number;
  lastValid: number | null;
  lastTrain: number | null;
  step: number;
  valid: number | null;
  train: number | null;
};

/**
 * Each live run (not stopped) with the steps it reported after the one it was
 * read up to, oldest first. The live runs are settled first (MATERIALIZED): a
 * run stopped but not yet carried out trains on, and its steps are not read.
 */
async function readNewSteps(tx: TxClient, sweepId: string): Promise<RunSteps[]> {
  const rows = await tx.$queryRaw<StepRow[]>`
    WITH live AS MATERIALIZED (
      SELECT r.position, r.job_id, r.seen_step, r.last_valid_loss, r.last_train_loss FROM sweep_runs r
      WHERE r.sweep_id = ${sweepId}::uuid AND r.job_id IS NOT NULL AND r.stopped_at_step IS NULL
        AND NOT EXISTS (SELECT 1 FROM sweep_decisions d WHERE d.sweep_id = r.sweep_id AND d.job_id = r.job_id AND d.stop)
    )
    SELECT l.position, l.job_id::text AS "jobId", l.seen_step AS "seenStep",
      l.last_valid_loss AS "lastValid", l.last_train_loss AS "lastTrain", m.step, m.valid_loss AS valid, m.train_loss AS train
    FROM live l
    CROSS JOIN LATERAL (
      SELECT step, valid_loss, train_loss FROM job_metrics WHERE job_id = l.job_id AND step > l.seen_step ORDER BY step
    ) m
    ORDER BY l.position, m.step`;
  const runs: RunSteps[] = [];
  for (const row of rows) {
    let run = runs.at(-1);
    if (run?.position !== row.position) {
      run = {
        position: row.position,
        jobId: row.jobId,
        seenStep: row.seenStep,
        carried: { valid: row.lastValid, train: row.lastTrain },
        steps: [],
      };
      runs.push(run);
    }
    run.steps.push({ step: row.step, valid: row.valid, train: row.train });
  }
  return runs;
}

async function readRecorded(tx: TxClient, sweepId: string, milestones: number[]): Promise<RecordedValue[]> {
  if (milestones.length === 0) return [];
  return tx.$queryRaw<RecordedValue[]>`
    SELECT job_id::text AS "jobId", milestone, metric_name AS "metricName", metric
    FROM sweep_decisions WHERE sweep_id = ${sweepId}::uuid AND milestone = ANY(${milestones}::int[])
    ORDER BY id`;
}

/** The decisions, where each run's reading stands, and the version judged: one statement. */
async function writePass(tx: TxClient, sweepId: string, version: bigint, decisions: Decision[], progress: RunProgress[]): Promise<void> {
  const column = <K extends keyof Decision>(k: K) => decisions.map((d) => d[k]);
  await tx.$executeRaw`
    WITH decided AS (
      INSERT INTO sweep_decisions (sweep_id, job_id, milestone, stop, metric_name, metric, threshold, peers, reason)
      SELECT ${sweepId}::uuid, d.* FROM unnest(
        ${column("jobId")}::uuid[], ${column("milestone")}::int[], ${column("stop")}::boolean[], ${column("metricName")}::text[],
        ${column("metric").map(String)}::float8[], ${column("threshold").map((t) => (t === null ? null : String(t)))}::float8[],
        ${column("peers")}::int[], ${column("reason")}::text[]) AS d
      ON CONFLICT (sweep_id, job_id, milestone) DO NOTHING
    ), read AS (
      UPDATE sweep_runs r SET seen_step = GREATEST(r.seen_step, p.step), last_valid_loss = p.valid, last_train_loss = p.train
      FROM unnest(
        ${progress.map((p) => p.position)}::int[], ${progress.map((p) => p.seenStep)}::int[],
        ${progress.map((p) => (p.valid === null ? null : String(p.valid)))}::float8[],
        ${progress.map((p) => (p.train === null ? null : String(p.train)))}::float8[]) AS p(position, step, valid, train)
      WHERE r.sweep_id = ${sweepId}::uuid AND r.position = p.position
    )
    UPDATE sweeps SET decided_version = GREATEST(decided_version, ${version}) WHERE id = ${sweepId}::uuid`;
}

/**
 * Judges the runs of one sweep that reported new steps. Holds the sweep's row
 * for the whole pass; another worker holding it is left to it (SKIP LOCKED),
 * and the sweep stays marked for the next pass. The steps are read after the
 * row is held, so every step whose bump is in the version read is seen.
 */
export async function decideSweep({ db, sweepId }: { db: Db; sweepId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const [sweep] = await tx.$queryRaw<Array<{ name: string; rule: unknown; version: bigint; decided: bigint }>>`
      SELECT name, early_stopping AS rule, metrics_version AS version, decided_version AS decided FROM sweeps
      WHERE id = ${sweepId}::uuid AND status IN ('running', 'paused') FOR NO KEY UPDATE SKIP LOCKED`;
    if (!sweep || sweep.version <= sweep.decided) return;
    const rule = earlyStoppingSchema.parse(sweep.rule);
    const runs = await readNewSteps(tx, sweepId);
    const recorded = await readRecorded(tx, sweepId, milestonesCrossed(rule, runs));
    const { decisions, progress } = judgeNewSteps({ sweep: { name: sweep.name, rule }, runs, recorded });
    await writePass(tx, sweepId, sweep.version, decisions, progress);
  });
}
