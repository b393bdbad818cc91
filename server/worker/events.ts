import type { Db } from "../db";
import type { ProviderEvent, ProviderMetrics } from "../provider/types";
import type { FinetuningProvider } from "../provider/types";

/**
 * Copies the provider's new events into the job: messages into its event log,
 * per-step metrics events into job_metrics (one row per step, so an event
 * read twice is one point) and the newest step into the job's progress.
 * Metrics events stay out of the event log: thousands of steps would bury
 * the timeline and wake every live feed for nothing.
 */
export async function mirrorProviderEvents(args: {
  db: Db;
  provider: FinetuningProvider;
  jobId: string;
  providerJobId: string;
  /** The newest event already ingested, when the caller has read it (else it is read here). */
  lastProviderEventId?: string | null;
}): Promise<{ newSteps: number }> {
  const { db, jobId } = args;
  const after =
    args.lastProviderEventId !== undefined
      ? args.lastProviderEventId
      : ((await db.finetuningJob.findUnique({ where: { id: jobId }, select: { lastProviderEventId: true } }))?.lastProviderEventId ?? null);
  const events = await args.provider.listEvents(args.providerJobId, { afterEventId: after });
  return ingestProviderEvents({ db, jobId, events });
}

/** Stores one batch of provider events (oldest first); idempotent. Returns how many were metrics (steps). */
export async function ingestProviderEvents({
  db,
  jobId,
  events,
}: {
  db: Db;
  jobId: string;
  events: ProviderEvent[];
}): Promise<{ newSteps: number }> {
  const newest = events.at(-1);
  if (!newest) return { newSteps: 0 };
  const messages = events.filter((e) => e.metrics === null);
  const points = events.flatMap((e) => (e.metrics ? [{ at: e.createdAt, metrics: e.metrics }] : []));
  const latest = points.reduce<(typeof points)[number] | undefined>(
    (best, p) => (!best || p.metrics.step >= best.metrics.step ? p : best),
    undefined,
  );
  const latestValidLoss = points.findLast((p) => p.metrics.validLoss !== null)?.metrics.validLoss ?? null;

  // Only messages not stored before are inserted: an insert skipped as a
  // duplicate still uses up a job_events id, and the live feed waits at every
  // gap in the ids for a transaction that might still fill it. A provider that
  // lists every event at every read (Together) would leave gaps on every poll.
  const known = messages.length
    ? new Set(
        (
          await db.jobEvent.findMany({
            where: { jobId, providerEventId: { in: messages.map((e) => e.id) } },
            select: { providerEventId: true },
          })
        ).map((r) => r.providerEventId),
      )
    : new Set<string | null>();
  const fresh = messages.filter((e) => !known.has(e.id));
  const [, inserted] = await db.$transaction([
    db.jobEvent.createMany({
      data: fresh.map((e) => ({
        jobId,
        kind: "provider_event" as const,
        actor: "provider",
        reason: e.message,
        metadata: { level: e.level },
        providerEventId: e.id,
        at: e.createdAt,
      })),
      skipDuplicates: true,
    }),
    db.jobMetric.createMany({ data: points.map((p) => metricRow(jobId, p.metrics, p.at)), skipDuplicates: true }),
    // The job's progress only moves forward: an older batch read late does not rewind it.
    db.$executeRaw`
      UPDATE finetuning_jobs SET
        last_provider_event_id = ${newest.id},
        step = CASE WHEN ${latest?.metrics.step ?? null}::int IS NOT NULL AND (step IS NULL OR step <= ${latest?.metrics.step ?? null}::int)
                    THEN ${latest?.metrics.step ?? null}::int ELSE step END,
        total_steps = COALESCE(${latest?.metrics.totalSteps ?? null}::int, total_steps),
        train_loss = CASE WHEN ${latest?.metrics.step ?? null}::int IS NOT NULL AND (step IS NULL OR step <= ${latest?.metrics.step ?? null}::int)
                          THEN ${toSqlFloat(latest?.metrics.trainLoss)}::float8 ELSE train_loss END,
        valid_loss = COALESCE(${toSqlFloat(latestValidLoss)}::float8, valid_loss)
      WHERE id = ${jobId}::uuid`,
  ]);
  // Steps not stored before: a provider that lists every step on each read (Together) counts only the new ones.
  return { newSteps: inserted.count };
}

// Postgres's float8 holds NaN, which the driver sends as text; null stays null.
function toSqlFloat(value: number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return Number.isNaN(value) ? "NaN" : String(value);
}

function metricRow(jobId: string, m: ProviderMetrics, at: Date) {
  return {
    jobId,
    step: m.step,
    totalSteps: m.totalSteps,
    trainLoss: m.trainLoss,
    trainMeanTokenAccuracy: m.trainMeanTokenAccuracy,
    validLoss: m.validLoss,
    validMeanTokenAccuracy: m.validMeanTokenAccuracy,
    fullValidLoss: m.fullValidLoss,
    fullValidMeanTokenAccuracy: m.fullValidMeanTokenAccuracy,
    at,
  };
}
