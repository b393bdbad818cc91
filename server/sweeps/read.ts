import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import { JOB_SELECT, toWireJob } from "../finetuning/job-row";
import { isProviderName } from "../provider/capabilities";
import { AppError } from "../errors";
import { milestonesFor } from "./policies";
import { earlyStoppingSchema, runParametersSchema, type Sweep, type SweepMetric } from "./schema";

// A sweep as the wire shows it: its runs with their jobs' status and cost,
// each run's best value of the sweep's metric, and the best run's best checkpoint.

export const SWEEP_SELECT = {
  id: true,
  name: true,
  status: true,
  dbConnectionId: true,
  modelProvider: true,
  modelName: true,
  maxConcurrent: true,
  maxCostUsd: true,
  earlyStopping: true,
  endReason: true,
  createdAt: true,
  endedAt: true,
  runs: {
    select: { position: true, parameters: true, jobId: true, stoppedAtStep: true, stoppedReason: true },
    orderBy: { position: "asc" },
  },
} as const satisfies Prisma.SweepSelect;

type SweepRow = Prisma.SweepGetPayload<{ select: typeof SWEEP_SELECT }>;

type Best = { jobId: string; validMin: number | null; validStep: number | null; trainMin: number | null; trainStep: number | null };

/** Each job's lowest finite validation and training loss, and where. */
async function bestValues(db: Db, jobIds: string[]): Promise<Map<string, Best>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.$queryRaw<Best[]>`
    SELECT job_id::text AS "jobId",
      min(valid_loss) FILTER (WHERE valid_loss <> 'NaN') AS "validMin",
      (array_agg(step ORDER BY valid_loss ASC, step DESC) FILTER (WHERE valid_loss IS NOT NULL AND valid_loss <> 'NaN'))[1] AS "validStep",
      min(train_loss) FILTER (WHERE train_loss <> 'NaN') AS "trainMin",
      (array_agg(step ORDER BY train_loss ASC, step DESC) FILTER (WHERE train_loss IS NOT NULL AND train_loss <> 'NaN'))[1] AS "trainStep"
    FROM job_metrics WHERE job_id = ANY(${jobIds}::uuid[]) GROUP BY job_id`;
  return new Map(rows.map((r) => [r.jobId, r]));
}

/** The metric a run is judged by: the sweep's, or train loss for a run that reports no validation loss. */
export function metricOf(best: Best | undefined, wanted: SweepMetric): { value: number; step: number } | null {
  if (!best) return null;
  if (wanted === "valid_loss" && best.validMin !== null && best.validStep !== null) return { value: best.validMin, step: best.validStep };
  return best.trainMin !== null && best.trainStep !== null ? { value: best.trainMin, step: best.trainStep } : null;
}

function checkpointValue(metrics: unknown, wanted: SweepMetric): number | null {
  if (metrics === null || typeof metrics !== "object") return null;
  const m = metrics as Record<string, unknown>;
  const pick = (wanted === "valid_loss" ? m["validLoss"] : undefined) ?? m["trainLoss"];
  return typeof pick === "number" && Number.isFinite(pick) ? pick : null;
}

/** The checkpoint with the lowest metric (the latest when none says). */
async function bestCheckpoint(db: Db, jobId: string, wanted: SweepMetric): Promise<string | null> {
  const checkpoints = await db.jobCheckpoint.findMany({
    where: { jobId },
    select: { providerCheckpointId: true, metrics: true, step: true },
    orderBy: { step: "desc" },
  });
  let best: { id: string; value: number } | null = null;
  for (const c of checkpoints) {
    const value = checkpointValue(c.metrics, wanted);
    if (value !== null && (best === null || value < best.value)) best = { id: c.providerCheckpointId, value };
  }
  return best?.id ?? checkpoints[0]?.providerCheckpointId ?? null;
}

export async function toWireSweep(db: Db, row: SweepRow): Promise<Sweep> {
  const rule = earlyStoppingSchema.parse(row.earlyStopping);
  const jobIds = row.runs.flatMap((r) => (r.jobId ? [r.jobId] : []));
  const jobs = new Map(
    (await db.finetuningJob.findMany({ where: { id: { in: jobIds } }, select: JOB_SELECT })).map((j) => [j.id, toWireJob(j)]),
  );
  const bests = await bestValues(db, jobIds);
  const ended = row.status === "completed" || row.status === "cancelled";
  let totalSteps = 0;
  const runs = row.runs.map((run) => {
    const job = run.jobId ? jobs.get(run.jobId) : undefined;
    const metric = run.jobId ? metricOf(bests.get(run.jobId), rule.metric) : null;
    totalSteps = Math.max(totalSteps, job?.progress?.total_steps ?? 0);
    return {
      position: run.position,
      finetuning_id: run.jobId,
      parameters: runParametersSchema.parse(run.parameters),
      status: job ? job.status : ended ? ("skipped" as const) : ("waiting" as const),
      stopped_at_step: run.stoppedAtStep,
      stopped_reason: run.stoppedReason,
      best_metric: metric?.value ?? null,
      best_step: metric?.step ?? null,
      cost_usd: job?.cost.so_far_usd ?? null,
    };
  });
  const winner = runs.filter((r) => r.finetuning_id !== null && r.best_metric !== null).sort((a, b) => a.best_metric! - b.best_metric!)[0];
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    db_connection_id: row.dbConnectionId,
    base_llm: { model_provider: isProviderName(row.modelProvider) ? row.modelProvider : "openai", model_name: row.modelName },
    max_concurrent: row.maxConcurrent,
    max_cost_usd: row.maxCostUsd,
    early_stopping: rule,
    milestones: milestonesFor(rule, totalSteps),
    end_reason: row.endReason,
    runs,
    best: winner
      ? {
          finetuning_id: winner.finetuning_id!,
          checkpoint_id: await bestCheckpoint(db, winner.finetuning_id!, rule.metric),
          metric: winner.best_metric!,
        }
      : null,
    cost: { so_far_usd: Math.round(runs.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0) * 1e6) / 1e6 },
    created_at: row.createdAt.toISOString(),
    ended_at: row.endedAt?.toISOString() ?? null,
  };
}

export function sweepNotFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Sweep ${id} not found.`);
}

export async function readSweep(db: Db, id: string): Promise<Sweep> {
  const row = await db.sweep.findUnique({ where: { id }, select: SWEEP_SELECT });
  if (!row) throw sweepNotFound(id);
  return toWireSweep(db, row);
}
