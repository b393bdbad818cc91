import { LTTB } from "downsample";
import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import { notFound } from "./errors";
import { METRIC_SERIES, type Checkpoint, type JobMetrics, type MetricSeries } from "./progress-schema";

// Each series comes out of Postgres as two arrays (steps, values) in one row:
// 10,000 steps are then a few array parses rather than 10,000 row objects.
type SeriesArrays = { steps: number[] | null; values: number[] | null };
type MetricArrays = { count: number; total_steps: number | null } & Record<MetricSeries, SeriesArrays>;

const COLUMN: Record<MetricSeries, string> = {
  train_loss: "train_loss",
  valid_loss: "valid_loss",
  train_mean_token_accuracy: "train_mean_token_accuracy",
  valid_mean_token_accuracy: "valid_mean_token_accuracy",
  full_valid_loss: "full_valid_loss",
};

// Only finite values are drawn; NaN (a diverged step) and missing ones are left out.
const SERIES_SQL = Prisma.raw(
  METRIC_SERIES.map((name) => {
    const c = COLUMN[name];
    const keep = `${c} IS NOT NULL AND ${c} <> 'NaN'::float8 AND ${c} <> 'Infinity'::float8 AND ${c} <> '-Infinity'::float8`;
    return `json_build_object('steps', array_agg(step ORDER BY step) FILTER (WHERE ${keep}), 'values', array_agg(${c} ORDER BY step) FILTER (WHERE ${keep})) AS "${name}"`;
  }).join(",\n"),
);

async function requireJob(db: Db, id: string): Promise<{ totalSteps: number | null }> {
  const job = await db.finetuningJob.findUnique({ where: { id }, select: { totalSteps: true } });
  if (!job) throw notFound(id);
  return job;
}

/** A job's training curves, each series downsampled to at most `maxPoints` with LTTB. */
export async function getJobMetrics({ db, id, maxPoints }: { db: Db; id: string; maxPoints: number }): Promise<JobMetrics> {
  const [row] = await db.$queryRaw<Array<MetricArrays & { found: boolean; non_finite: number }>>`
    SELECT EXISTS (SELECT 1 FROM finetuning_jobs WHERE id = ${id}::uuid) AS found,
           (SELECT total_steps FROM finetuning_jobs WHERE id = ${id}::uuid) AS total_steps,
           count(*)::int AS count,
           (count(*) FILTER (WHERE train_loss IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)))::int AS non_finite,
           ${SERIES_SQL}
    FROM job_metrics WHERE job_id = ${id}::uuid`;
  if (!row?.found) throw notFound(id);
  const series = Object.fromEntries(METRIC_SERIES.map((name) => [name, downsample(row[name], maxPoints)])) as JobMetrics["series"];
  return { finetuning_id: id, raw_count: row.count, total_steps: row.total_steps, non_finite_count: row.non_finite, series };
}

function downsample({ steps, values }: SeriesArrays, maxPoints: number): Array<{ step: number; value: number }> {
  if (!steps || !values) return [];
  const points: Array<[number, number]> = steps.map((step, i) => [step, values[i] ?? 0]);
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
