import "server-only";
import { LTTB } from "downsample";
import { LRUCache } from "lru-cache";
import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import { notFound } from "./errors";
import { MAX_POINTS_DEFAULT, METRIC_SERIES, type Checkpoint, type JobMetrics, type MetricSeries } from "./training-curves-schema";
import { markWatched } from "./watch";

// A job's curves are kept in memory per database client and job, under the
// job's metrics_count. Points are only ever added, one per step, and a trigger
// keeps metrics_count, so an equal count means the same points: a read is then
// one primary-key lookup. When steps were added (by any instance), only the
// steps after the last one held are read and appended; anything else (a step
// that arrived out of order, a deletion) reads the job's points again.

type Series = { steps: number[]; values: number[] };
type Drawn = JobMetrics["series"];
type Curves = {
  /** The job's metrics_count these points were read at. */
  version: number;
  lastStep: number;
  rawCount: number;
  nonFinite: number;
  series: Record<MetricSeries, Series>;
  /** The answer for the default max_points, drawn once per version; other sizes are drawn per request. */
  drawnDefault: Drawn;
};

// Bounded by what the entries hold, in points: each point held (two numbers),
// each point of the drawn answer (an object, counted thrice) and a fixed cost
// per entry, so that many empty jobs cannot pile up either. ~10 MB at most.
const MAX_SIZE = 500_000;
const ENTRY_COST = 64;
const MAX_ENTRIES = 1_000;
const caches = new WeakMap<Db, LRUCache<string, Curves>>();

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
const heldPoints = (c: Curves) => sum(METRIC_SERIES.map((name) => c.series[name].steps.length));
const drawnPoints = (c: Curves) => sum(METRIC_SERIES.map((name) => c.drawnDefault[name].length));

function cacheFor(db: Db): LRUCache<string, Curves> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new LRUCache<string, Curves>({
      max: MAX_ENTRIES,
      maxSize: MAX_SIZE,
      sizeCalculation: (c) => ENTRY_COST + heldPoints(c) + 3 * drawnPoints(c),
    });
    caches.set(db, cache);
  }
  return cache;
}

// One row: the job's count and total, and its points after a step as arrays
// (one per column, step order). Non-finite values (NaN from a diverged step)
// come as null, like missing ones; they are counted, and not drawn.
type PointArrays = {
  version: number;
  total_steps: number | null;
  step_offset: number | null;
  count: number;
  non_finite: number;
  steps: number[] | null;
} & Record<MetricSeries, Array<number | null> | null>;

const NON_FINITE = "IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)";
const finite = (column: string) => `CASE WHEN ${column} ${NON_FINITE} THEN NULL ELSE ${column} END`;
const ARRAYS_SQL = Prisma.raw(METRIC_SERIES.map((name) => `array_agg(${finite(`m.${name}`)}) AS "${name}"`).join(", "));

async function readPoints(db: Db, id: string, afterStep: number): Promise<PointArrays | null> {
  const [row] = await db.$queryRaw<PointArrays[]>`
    SELECT j.metrics_count AS version, j.total_steps, j.parent_step AS step_offset, p.*
    FROM finetuning_jobs j, LATERAL (
      SELECT count(*)::int AS count,
             (count(*) FILTER (WHERE m.train_loss ${Prisma.raw(NON_FINITE)}))::int AS non_finite,
             array_agg(m.step) AS steps, ${ARRAYS_SQL}
      FROM (SELECT * FROM job_metrics WHERE job_id = j.id AND step > ${afterStep} ORDER BY step) m
    ) p
    WHERE j.id = ${id}::uuid`;
  return row ?? null;
}

/** `base`'s points with `row`'s appended (or `row`'s alone); a new object, so a concurrent read never sees half of it. */
function withPoints(base: Curves | null, row: PointArrays): Curves {
  const series = Object.fromEntries(
    METRIC_SERIES.map((name) => {
      const steps = base ? [...base.series[name].steps] : [];
      const values = base ? [...base.series[name].values] : [];
      const column = row[name] ?? [];
      (row.steps ?? []).forEach((step, i) => {
        const value = column[i];
        if (value === null || value === undefined) return;
        steps.push(step);
        values.push(value);
      });
      return [name, { steps, values }];
    }),
  ) as Record<MetricSeries, Series>;
  return {
    version: row.version,
    lastStep: row.steps?.at(-1) ?? base?.lastStep ?? -1,
    rawCount: (base?.rawCount ?? 0) + row.count,
    nonFinite: (base?.nonFinite ?? 0) + row.non_finite,
    series,
    drawnDefault: draw(series, MAX_POINTS_DEFAULT),
  };
}

type Current = { curves: Curves; totalSteps: number | null; stepOffset: number | null };

async function currentCurves(db: Db, id: string): Promise<Current> {
  const cache = cacheFor(db);
  // One entry per job however its id is spelled (a uuid's hex digits in either case).
  const key = id.toLowerCase();
  const held = cache.get(key) ?? null;
  if (held) {
    const job = await db.finetuningJob.findUnique({ where: { id }, select: { totalSteps: true, metricsCount: true, parentStep: true } });
    if (!job) {
      cache.delete(key);
      throw notFound(id);
    }
    if (job.metricsCount === held.version) return { curves: held, totalSteps: job.totalSteps, stepOffset: job.parentStep };
  }
  let row = await readPoints(db, id, held?.lastStep ?? -1);
  if (!row) throw notFound(id);
  let curves = withPoints(held, row);
  // The new steps do not add up to the count: read everything again.
  if (held && curves.rawCount !== row.version) {
    row = await readPoints(db, id, -1);
    if (!row) throw notFound(id);
    curves = withPoints(null, row);
  }
  if (cache.get(key) === (held ?? undefined)) cache.set(key, curves);
  return { curves, totalSteps: row.total_steps, stepOffset: row.step_offset };
}

/** A job's training curves, each series downsampled to at most `maxPoints` with LTTB. */
export async function getJobMetrics({ db, id, maxPoints }: { db: Db; id: string; maxPoints: number }): Promise<JobMetrics> {
  const [{ curves, totalSteps, stepOffset }] = await Promise.all([currentCurves(db, id), markWatched({ db, id })]);
  const series = maxPoints === MAX_POINTS_DEFAULT ? curves.drawnDefault : draw(curves.series, maxPoints);
  return {
    finetuning_id: id,
    raw_count: curves.rawCount,
    total_steps: totalSteps,
    non_finite_count: curves.nonFinite,
    step_offset: stepOffset ?? 0,
    series,
  };
}

function draw(series: Record<MetricSeries, Series>, maxPoints: number): Drawn {
  return Object.fromEntries(METRIC_SERIES.map((name) => [name, downsample(series[name], maxPoints)])) as Drawn;
}

function downsample({ steps, values }: Series, maxPoints: number): Array<{ step: number; value: number }> {
  if (steps.length <= maxPoints) return steps.map((step, i) => ({ step, value: values[i] ?? 0 }));
  const points: Array<[number, number]> = steps.map((step, i) => [step, values[i] ?? 0]);
  return (LTTB(points, maxPoints) as Array<[number, number]>).map(([step, value]) => ({ step, value }));
}

async function requireJob(db: Db, id: string): Promise<void> {
  const job = await db.finetuningJob.findUnique({ where: { id }, select: { id: true } });
  if (!job) throw notFound(id);
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
    Object.entries(value).map(([key, v]) => [
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      typeof v === "number" && Number.isFinite(v) ? v : null,
    ]),
  );
}
