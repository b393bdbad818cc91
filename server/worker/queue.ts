import "server-only";
import { fromPrisma, PgBoss } from "pg-boss";
import { env } from "../env";
import type { Db, TxClient } from "../db";
import { ACTIVE_STATUSES } from "../finetuning/schema";
import { Prisma } from "../generated/prisma/client";
import { PREPARING_PRIORITY, type PollPlan } from "./poll-plan";

/** One message a job: "look at this job and take its next step". */
export const ADVANCE_QUEUE = "finetuning-advance";
/** `urgent`: its provider requests may use the budget's reserve (server/provider/budget.ts). */
export type AdvanceMessage = { jobId: string; urgent?: boolean };

const globalForBoss = globalThis as unknown as { controlRoomBoss?: Promise<PgBoss> };

async function startBoss(connectionString: string): Promise<PgBoss> {
  // Supervision fails steps whose worker stopped heart-beating (a killed
  // process), so they are retried within seconds instead of hanging.
  const boss = new PgBoss({
    connectionString,
    max: 8,
    supervise: true,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    schedule: false,
  });
  boss.on("error", (error) => console.error(`queue: ${error.message}`));
  await boss.start();
  // stately + singletonKey: at most one queued and one running step per job,
  // so two workers never act on the same job at once.
  await boss.createQueue(ADVANCE_QUEUE, {
    policy: "stately",
    retryLimit: 20,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 60,
    expireInSeconds: 300,
    heartbeatSeconds: 10,
  });
  // One read of each provider's job list at a time, and one waiting (fleet-read.ts).
  await boss.createQueue(FLEET_READ_QUEUE, { policy: "stately", retryLimit: 3, retryDelay: 5, expireInSeconds: 300, heartbeatSeconds: 30 });
  return boss;
}

/**
 * Active jobs with no step queued or running: their chain of steps was lost
 * (a step that failed past its retries, a queue restored from a backup). The
 * queue's live steps are read once, from pg-boss's partial index of them, and
 * hashed: neither a probe per job nor the queue's completed history.
 */
export function withoutStepQuery(limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT f.id::text AS id FROM finetuning_jobs f
    WHERE f.status::text = ANY(${[...ACTIVE_STATUSES]}::text[]) AND f.deleted_at IS NULL
      AND f.id::text NOT IN (
        SELECT COALESCE(j.singleton_key, '') FROM pgboss.job j
        WHERE j.name = ${ADVANCE_QUEUE} AND j.state <= 'active' AND j.policy = 'stately')
    ORDER BY f.provider_polled_at ASC NULLS FIRST
    LIMIT ${limit}`;
}

export async function jobsWithoutStep(db: Db, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>(withoutStepQuery(limit));
  return rows.map((r) => r.id);
}

/** One message a provider: "list this provider's jobs". */
export const FLEET_READ_QUEUE = "provider-fleet-read";
export type FleetReadMessage = { provider: string };

/** Queues the next fleet read of `provider` in `seconds` (none is queued twice). */
export async function enqueueFleetRead(provider: string, seconds = 0): Promise<void> {
  const boss = await queue();
  await boss.send(FLEET_READ_QUEUE, { provider } satisfies FleetReadMessage, { singletonKey: provider, startAfter: seconds });
}

/** Starts `provider`'s chain of fleet reads unless one is queued or under way (each read queues the next). */
export async function ensureFleetRead(db: Db, provider: string): Promise<void> {
  const [chain] = await db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${FLEET_READ_QUEUE} AND singleton_key = ${provider} AND state < 'completed'`;
  if ((chain?.n ?? 0) === 0) await enqueueFleetRead(provider);
}

/** The process's queue client (started once; installs pg-boss's schema on first use). */
export function queue(): Promise<PgBoss> {
  globalForBoss.controlRoomBoss ??= startBoss(env().DATABASE_URL).catch((error: unknown) => {
    globalForBoss.controlRoomBoss = undefined;
    throw error;
  });
  return globalForBoss.controlRoomBoss;
}

export async function stopQueue(): Promise<void> {
  const boss = await globalForBoss.controlRoomBoss?.catch(() => undefined);
  globalForBoss.controlRoomBoss = undefined;
  await boss?.stop({ graceful: true, timeout: 5_000 });
}

/** Enqueues inside the caller's transaction: the job row and its first step commit together. */
export async function enqueueRun(tx: TxClient, jobId: string): Promise<void> {
  const boss = await queue();
  await boss.send(ADVANCE_QUEUE, { jobId } satisfies AdvanceMessage, {
    singletonKey: jobId,
    priority: PREPARING_PRIORITY,
    db: fromPrisma(tx),
  });
}

/** When and how urgently a job's next step runs (server/worker/poll-plan.ts); at once and routine by default. */
export type StepTiming = Pick<PollPlan, "seconds" | "priority" | "urgent">;

export async function enqueueAdvance(
  jobId: string,
  { seconds = 0, priority = 0, urgent = false }: Partial<StepTiming> = {},
): Promise<void> {
  const boss = await queue();
  await boss.send(ADVANCE_QUEUE, { jobId, urgent } satisfies AdvanceMessage, { singletonKey: jobId, startAfter: seconds, priority });
}

/**
 * Brings a job's next step forward to now: a step already queued for later
 * (a quiet job's next poll) is moved up, not queued twice. For what cannot
 * wait for the poll plan: a cancel to confirm, a change a fleet read saw, a
 * person who opened the job.
 */
export async function hurryAdvance(
  jobId: string,
  { priority = 0, urgent = false }: Partial<Omit<StepTiming, "seconds">> = {},
): Promise<void> {
  const boss = await queue();
  // Only ever sooner, more urgent, higher: a queued step already more urgent
  // keeps its priority and its reserve; a step waiting out a retry's backoff
  // is left to it.
  const moved = await boss.getDb().executeSql(
    `UPDATE pgboss.job SET start_after = LEAST(start_after, now()), priority = GREATEST(priority, $3),
       data = jsonb_set(data, '{urgent}', to_jsonb(COALESCE((data->>'urgent')::boolean, false) OR $4))
     WHERE name = $1 AND singleton_key = $2 AND state = 'created' RETURNING id`,
    [ADVANCE_QUEUE, jobId, priority, urgent],
  );
  if (moved.rows.length === 0) {
    await boss.send(ADVANCE_QUEUE, { jobId, urgent } satisfies AdvanceMessage, { singletonKey: jobId, priority });
  }
}
