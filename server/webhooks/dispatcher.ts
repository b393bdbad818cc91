import type { PgBoss } from "pg-boss";
import type { Db } from "../db";
import { listenFor } from "../db/listen";
import { env } from "../env";
import { JOB_CHANGED_CHANNEL } from "../finetuning/change-log";
import { queue } from "../worker/queue";
import { attemptDelivery, type RetryPolicy } from "./attempt";

/**
 * The dispatcher moves the outbox (webhook_deliveries, filled by a trigger in
 * the transaction of each change) onto the durable queue and delivers it.
 *
 * One queue message per (endpoint, job) with the "exclusive" policy: at most
 * one queued or running per pair (the outbox is looked at again and again, and
 * a pair already on its way is not queued twice), so one job's messages go
 * out one at a time, oldest first. A message that must be retried later holds
 * back the job's newer ones (per-job order); other jobs go on. What a killed
 * worker was sending stays pending in the outbox and is sent again, with the
 * same webhook-id, once its hold runs out: at least once, never lost.
 */
export const WEBHOOK_QUEUE = "webhook-deliver";
// Every message is about a job (the trigger always sets job_id).
type DeliverMessage = { endpointId: string; jobId: string };

export type DispatcherOptions = {
  db: Db;
  concurrency?: number;
  // The longest the outbox goes unlooked at (a change wakes it at once; a retry when it falls due).
  pumpMs?: number;
  allowPrivate?: boolean;
  retry?: Partial<RetryPolicy>;
};
export type RunningDispatcher = { stop(): Promise<void>; pump(): Promise<number> };

// Notifications this close together lead to one look at the outbox.
const WAKE_COALESCE_MS = 50;
// Nor are two looks for a retry ever closer than this.
const MIN_LOOK_APART_MS = 50;
// A pass sends at most this many messages of one job, then lets others run.
const MESSAGES_PER_PASS = 50;
// The delivery log keeps finished messages this long.
export const DELIVERY_LOG_RETENTION_DAYS = 30;
const PURGE_EVERY_MS = 10 * 60_000;

async function createWebhookQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(WEBHOOK_QUEUE, {
    policy: "exclusive",
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    expireInSeconds: 600,
    heartbeatSeconds: 10,
  });
}

/** The (endpoint, job) pairs whose oldest pending message is due and not held. */
async function duePairs(db: Db): Promise<DeliverMessage[]> {
  return db.$queryRaw<DeliverMessage[]>`
    SELECT d.endpoint_id::text AS "endpointId", d.job_id::text AS "jobId"
    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
    WHERE d.state = 'pending' AND d.job_id IS NOT NULL AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries p
        WHERE p.endpoint_id = d.endpoint_id AND p.job_id = d.job_id AND p.state = 'pending' AND p.seq < d.seq)
    LIMIT 5000`;
}

export async function startWebhookDispatcher(options: DispatcherOptions): Promise<RunningDispatcher> {
  const { db, concurrency = 16, pumpMs = 10_000 } = options;
  const e = env();
  const policy: RetryPolicy = {
    baseMs: options.retry?.baseMs ?? e.WEBHOOK_RETRY_BASE_MS,
    maxMs: options.retry?.maxMs ?? e.WEBHOOK_RETRY_MAX_MS,
    giveUpAfterMs: options.retry?.giveUpAfterMs ?? e.WEBHOOK_DISABLE_AFTER_MS,
  };
  const allowPrivate = options.allowPrivate ?? e.WEBHOOK_ALLOW_PRIVATE;
  const boss = await queue();
  await createWebhookQueue(boss);

  const workerId = await boss.work<DeliverMessage>(
    WEBHOOK_QUEUE,
    // A batch holds distinct pairs (one job per key under this policy); they are sent side by side.
    { localConcurrency: 2, batchSize: Math.max(1, Math.ceil(concurrency / 2)), pollingIntervalSeconds: 0.5 },
    async (messages) => {
      await Promise.all(
        messages.map(async ({ data: { endpointId, jobId } }) => {
          for (let i = 0; i < MESSAGES_PER_PASS; i++) {
            const outcome = await attemptDelivery({ db, endpointId, jobId, allowPrivate, policy });
            if (outcome !== "next") return;
          }
        }),
      );
      // A retry it scheduled, or messages it left for the next pass: plan the next look.
      wake();
    },
  );

  // The outbox is looked at when something may be due, not on a clock: a
  // change to a job (whose transaction filled the outbox) wakes it through
  // NOTIFY, and after each look the next is set for the earliest retry that
  // falls due, or pumpMs at the longest (what a lost notification waits).
  // An idle outbox costs one look every pumpMs.
  let pumping = false;
  let stopped = false;
  let next: NodeJS.Timeout | undefined;
  let nextAt = Number.POSITIVE_INFINITY;
  const lookAt = (at: number) => {
    if (stopped || at >= nextAt) return;
    clearTimeout(next);
    nextAt = at;
    next = setTimeout(
      () => {
        nextAt = Number.POSITIVE_INFINITY;
        void pump();
      },
      Math.max(0, at - Date.now()),
    );
  };
  const wake = () => lookAt(Date.now() + WAKE_COALESCE_MS);
  const pump = async (): Promise<number> => {
    if (pumping) {
      wake();
      return 0;
    }
    pumping = true;
    try {
      const pairs = await duePairs(db);
      if (pairs.length > 0) {
        await boss.insert(
          WEBHOOK_QUEUE,
          pairs.map((data) => ({ data, singletonKey: `${data.endpointId}:${data.jobId}` })),
        );
      }
      // How long until the earliest retry falls due, by the database's clock (the one `due` is judged by).
      const [soonest] = await db.$queryRaw<Array<{ in_ms: number | null }>>`
        SELECT (EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000)::float8 AS in_ms
        FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at > now()`;
      const dueIn = soonest?.in_ms ?? Number.POSITIVE_INFINITY;
      lookAt(Date.now() + Math.min(pumpMs, Math.max(MIN_LOOK_APART_MS, dueIn)));
      return pairs.length;
    } catch (error) {
      console.error("webhooks: looking at the outbox failed; trying again shortly", error);
      lookAt(Date.now() + Math.min(pumpMs, 1_000));
      return 0;
    } finally {
      pumping = false;
    }
  };
  const closing = new AbortController();
  listenFor(JOB_CHANGED_CHANNEL, wake, closing.signal);
  void pump();
  const purge = () =>
    db.$executeRaw`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < now() - make_interval(days => ${DELIVERY_LOG_RETENTION_DAYS})`.catch(
      (error: unknown) => {
        console.error("webhooks: purging the old delivery log failed", error);
      },
    );
  const purgeTimer = setInterval(() => void purge(), PURGE_EVERY_MS);

  return {
    pump,
    async stop() {
      stopped = true;
      clearTimeout(next);
      closing.abort();
      clearInterval(purgeTimer);
      await boss.offWork(WEBHOOK_QUEUE, { id: workerId });
    },
  };
}
