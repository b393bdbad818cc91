import type { Db } from "../db";
import { AppError } from "../errors";
import { GUARDRAIL } from "../auth/actor";
import { cancelJob } from "../finetuning/cancel";
import { findJobRow, toWireJob } from "../finetuning/job-row";
import { pauseJob } from "../finetuning/pause";
import type { JobStatus } from "../finetuning/schema";
import type { ProviderSource } from "../provider/types";
import { crossedGuardrails, type JobFacts, type Verdict } from "./rules";
import { hasGuardrails, readGuardrails, readTrips, type GuardrailTrip } from "./schema";

// A guardrail only acts on a job nobody has paused and that has not ended:
// a pausing or paused job was a person's (or a guardrail's) decision.
export const GUARDED_STATUSES = ["queued", "validating_files", "running"] as const satisfies readonly JobStatus[];
const isGuarded = (s: JobStatus): s is (typeof GUARDED_STATUSES)[number] => (GUARDED_STATUSES as readonly JobStatus[]).includes(s);

/**
 * Checks one job's guardrails and carries out what a crossed one says. Each
 * rule fires at most once per job: the trip is recorded with its event in one
 * guarded statement, so two workers (or the step and the sweep) never both
 * fire it. The action then goes through the same guarded cancel or pause as a
 * person's; one that could not reach the provider stays pending and is done by
 * the next evaluation (a killed worker's too), unless the job moved meanwhile.
 */
/** Answers whether a trip's action was attempted (so the job may have moved). */
export async function evaluateGuardrails(args: { db: Db; provider: ProviderSource; jobId: string; now?: Date }): Promise<boolean> {
  const { db, jobId } = args;
  const row = await findJobRow(db, jobId);
  if (!row || !isGuarded(row.status)) return false;
  const guardrails = readGuardrails(row.guardrails);
  if (!hasGuardrails(guardrails)) return false;

  const facts = await readFacts(
    db,
    row.id,
    row.status,
    row.createdAt,
    toWireJob(row).cost.so_far_usd,
    guardrails.divergence?.window ?? 1,
    args.now ?? new Date(),
  );
  const tripped = new Set(readTrips(row.guardrailTrips).map((t) => t.rule));
  for (const verdict of crossedGuardrails(guardrails, facts)) {
    if (!tripped.has(verdict.rule)) await recordTrip(db, jobId, verdict);
  }
  const fresh = await db.finetuningJob.findUnique({ where: { id: jobId }, select: { guardrailTrips: true } });
  // Stops first: a job that is cancelled needs no pause.
  const pending = readTrips(fresh?.guardrailTrips)
    .filter((t) => t.outcome === "pending")
    .sort((a, b) => rank(a) - rank(b));
  for (const trip of pending) await carryOut({ ...args, trip });
  return pending.length > 0;
}

const rank = (t: GuardrailTrip) => (t.action === "cancel" ? 0 : t.action === "pause" ? 1 : 2);

async function readFacts(
  db: Db,
  jobId: string,
  status: JobFacts["status"],
  createdAt: Date,
  costSoFarUsd: number | null,
  window: number,
  now: Date,
): Promise<JobFacts> {
  const [times] = await db.$queryRaw<
    {
      first_running: Date | null;
      last_running: Date | null;
      last_step_at: Date | null;
      last_step: number | null;
      min_loss: number | null;
    }[]
  >`
    SELECT
      (SELECT min(at) FROM job_events WHERE job_id = ${jobId}::uuid AND kind = 'status_change' AND to_status = 'running') AS first_running,
      (SELECT max(at) FROM job_events WHERE job_id = ${jobId}::uuid AND kind = 'status_change' AND to_status = 'running') AS last_running,
      (SELECT max(at) FROM job_metrics WHERE job_id = ${jobId}::uuid) AS last_step_at,
      (SELECT max(step) FROM job_metrics WHERE job_id = ${jobId}::uuid) AS last_step,
      (SELECT min(train_loss) FROM job_metrics WHERE job_id = ${jobId}::uuid AND train_loss <> 'NaN'::float8) AS min_loss`;
  const recent = await db.$queryRaw<{ loss: string | null }[]>`
    SELECT train_loss::text AS loss FROM job_metrics WHERE job_id = ${jobId}::uuid AND train_loss IS NOT NULL ORDER BY step DESC LIMIT ${window}`;
  // A job made running without a logged transition (an import) counts from its creation.
  const running = status === "running" ? createdAt : null;
  return {
    status,
    now,
    createdAt,
    firstRunningAt: times?.first_running ?? running,
    lastRunningAt: times?.last_running ?? running,
    lastStepAt: times?.last_step_at ?? null,
    lastStep: times?.last_step ?? null,
    costSoFarUsd,
    recentTrainLosses: recent.map((r) => Number(r.loss)).reverse(),
    minTrainLoss: times?.min_loss ?? null,
  };
}

/** The trip and its guardrail_triggered event (webhooks send it as guardrail.triggered), once per rule. */
async function recordTrip(db: Db, jobId: string, v: Verdict): Promise<void> {
  const trip = {
    action: v.action,
    message: v.message,
    at: new Date().toISOString(),
    outcome: v.action === "notify" ? "notified" : "pending",
  };
  const metadata = JSON.stringify({ rule: v.rule, action: v.action, observed: v.observed, limit: v.limit });
  const stops = v.action !== "notify";
  await db.$executeRaw`
    WITH upd AS (
      UPDATE finetuning_jobs SET
        guardrail_trips = COALESCE(guardrail_trips, '{}'::jsonb) || jsonb_build_object(${v.rule}::text, ${JSON.stringify(trip)}::jsonb),
        guardrail_stopped_at = CASE WHEN ${stops} THEN COALESCE(guardrail_stopped_at, now()) ELSE guardrail_stopped_at END
      WHERE id = ${jobId}::uuid AND deleted_at IS NULL AND status::text = ANY(${[...GUARDED_STATUSES]}::text[])
        AND (COALESCE(guardrail_trips, '{}'::jsonb) -> ${v.rule}::text) IS NULL
      RETURNING id
    )
    INSERT INTO job_events (job_id, kind, actor, reason, metadata)
    SELECT id, 'guardrail_triggered', 'guardrail', ${`${v.message} → ${v.action}`}, ${metadata}::jsonb FROM upd`;
}

async function carryOut(args: { db: Db; provider: ProviderSource; jobId: string; trip: GuardrailTrip }): Promise<void> {
  const { db, provider, jobId, trip } = args;
  const job = await findJobRow(db, jobId);
  if (!job || !isGuarded(job.status)) return settle(db, jobId, trip, "skipped");
  try {
    if (trip.action === "cancel") {
      const reason = `cancelled by guardrail ${trip.message}`;
      await cancelJob({
        db,
        provider,
        actor: GUARDRAIL,
        id: jobId,
        reason,
        error: `Cancelled by guardrail ${trip.message}`,
        onlyFrom: GUARDED_STATUSES,
      });
      return settle(db, jobId, trip, (await lastStatusActor(db, jobId, "cancelled")) === "guardrail" ? "stopped" : "skipped");
    }
    if (job.status !== "running") return settle(db, jobId, trip, "skipped"); // nothing trains yet: only a running job can be paused
    await pauseJob({ db, provider, actor: GUARDRAIL, id: jobId, reason: `paused by guardrail ${trip.message}` });
    return settle(db, jobId, trip, (await lastStatusActor(db, jobId, null)) === "guardrail" ? "stopped" : "skipped");
  } catch (error) {
    // Someone else moved the job (a person's cancel or pause, it finished): the guardrail stands down.
    if (error instanceof AppError && error.code === "CONFLICT") return settle(db, jobId, trip, "skipped");
    // Provider unreachable and the like: still pending, the next evaluation tries again.
    console.error(`guardrail ${trip.rule} of job ${jobId} could not ${trip.action} yet`, error);
  }
}

async function lastStatusActor(db: Db, jobId: string, to: JobStatus | null): Promise<string | null> {
  const event = await db.jobEvent.findFirst({
    where: { jobId, kind: "status_change", ...(to ? { toStatus: to } : {}) },
    orderBy: { id: "desc" },
    select: { actor: true },
  });
  return event?.actor ?? null;
}

async function settle(db: Db, jobId: string, trip: GuardrailTrip, outcome: GuardrailTrip["outcome"]): Promise<void> {
  await db.$executeRaw`
    UPDATE finetuning_jobs SET
      guardrail_trips = jsonb_set(guardrail_trips, ARRAY[${trip.rule}::text, 'outcome'], to_jsonb(${outcome}::text)),
      guardrail_stopped_at = CASE WHEN ${outcome} = 'stopped' THEN COALESCE(guardrail_stopped_at, now())
                                  WHEN jsonb_path_exists(guardrail_trips - ${trip.rule}::text, '$.*.outcome ? (@ == "stopped" || @ == "pending")') THEN guardrail_stopped_at
                                  ELSE NULL END
    WHERE id = ${jobId}::uuid AND guardrail_trips -> ${trip.rule}::text ->> 'outcome' = 'pending'`;
}
