import { LTTB } from "downsample";
import type { Db } from "../db";
import { notFound } from "./errors";
import { METRIC_SERIES, type Checkpoint, type JobMetrics, type MetricSeries } from "./progress-schema";

type MetricRow = {
  step: number;
  trainLoss: number | null;
  validLoss: number | null;
  trainMeanTokenAccuracy: number | null;
  validMeanTokenAccuracy: number | null;
  fullValidLoss: number | null;
};

const COLUMN: Record<MetricSeries, keyof Omit<MetricRow, "step">> = {
  train_loss: "trainLoss",
  valid_loss: "validLoss",
  train_mean_token_accuracy: "trainMeanTokenAccuracy",
  valid_mean_token_accuracy: "validMeanTokenAccuracy",
  full_valid_loss: "fullValidLoss",
};

async function requireJob(db: Db, id: string): Promise<{ totalSteps: number | null }> {
  const job = await db.finetuningJob.findUnique({ where: { id }, select: { totalSteps: true } });
  if (!job) throw notFound(id);
  return job;
}

/** A job's training curves, each series downsampled to at most `maxPoints` with LTTB. */
export async function getJobMetrics({ db, id, maxPoints }: { db: Db; id: string; maxPoints: number }): Promise<JobMetrics> {
  const job = await requireJob(db, id);
  const rows: MetricRow[] = await db.jobMetric.findMany({
    where: { jobId: id },
    select: { step: true, trainLoss: true, validLoss: true, trainMeanTokenAccuracy: true, validMeanTokenAccuracy: true, fullValidLoss: true },
    orderBy: { step: "asc" },
  });
  const series = Object.fromEntries(METRIC_SERIES.map((name) => [name, downsample(rows, COLUMN[name], maxPoints)])) as JobMetrics["series"];
  return {
    finetuning_id: id,
    raw_count: rows.length,
    total_steps: job.totalSteps,
    non_finite_count: rows.filter((r) => r.trainLoss !== null && !Number.isFinite(r.trainLoss)).length,
    series,
  };
}

function downsample(rows: MetricRow[], column: keyof Omit<MetricRow, "step">, maxPoints: number): Array<{ step: number; value: number }> {
  const points: Array<[number, number]> = [];
  for (const row of rows) {
    const value = row[column];
    if (value !== null && Number.isFinite(value)) points.push([row.step, value]);
  }
  const kept = points.length > maxPoints ? (LTTB(points, maxPoints) as Array<[number, number]>) : points;
  return kept.map(([step, value]) => ({ step, value }));
}

/** A job's checkpoints, oldest first. */
export async function listJobCheckpoints({ db, id }: { db: Db; id: string }): Promise<Checkpoint[]> {
  await requireJob(db, id);
  const rows = await db.jobCheckpoint.findMany({
    where: { jobId: id },
    select: { providerCheckpointId: true, model: true, step: true, metrics: true, createdAt: true },
    orderBy: [{ step: "asc" }, { createdAt: "asc" }],
  });
  return rows.map((row) => ({
    id: row.providerCheckpointId,
    fine_tuned_model_checkpoint: row.model,
    step_number: row.step,
    metrics: checkpointMetrics(row.metrics),
    created_at: row.createdAt.toISOString(),
  }));
}

// Stored in the provider's camelCase; on the wire in OpenAI's snake_case names.
function checkpointMetrics(value: unknown): Record<string, number | null> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), typeof v === "number" && Number.isFinite(v) ? v : null]),
  );
}
