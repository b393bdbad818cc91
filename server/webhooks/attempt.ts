import type { Db } from "../db";
import { deliveryMessage } from "./message";
import { messageId } from "./rows";
import type { WebhookFormat } from "./schema";
import { postWebhook, WEBHOOK_TIMEOUT_MS, type AttemptResult } from "./send";

export type RetryPolicy = {
  baseMs: number;
  maxMs: number;
  // A message failing this long is given up, and an endpoint failing this long is disabled.
  giveUpAfterMs: number;
};

// Longer than one attempt can take, so a live worker never loses its hold;
// a killed worker's message is free again soon after.
const HOLD_MS = WEBHOOK_TIMEOUT_MS + 5_000;
// Retry-After is honoured up to a day.
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/** Exponential backoff with equal jitter; a receiver's Retry-After wins when it asks for longer. */
export function retryDelayMs(
  attempts: number,
  policy: Pick<RetryPolicy, "baseMs" | "maxMs">,
  retryAfterMs: number | null,
  random = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
}

type Claimed = {
  id: string;
  eventType: string;
  occurredAt: Date;
  job: unknown;
  change: unknown;
  attempts: number;
  firstAttemptAt: Date;
  url: string;
  format: WebhookFormat;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
};

/**
 * Takes the oldest pending message of one job for one endpoint, if it is due
 * and nobody holds it; the attempt is counted at once, so a crash mid-send
 * still shows in the log.
 */
async function claimHead(db: Db, endpointId: string, jobId: string): Promise<Claimed | null> {
  const rows = await db.$queryRaw<Claimed[]>`
    WITH head AS (
      SELECT id FROM webhook_deliveries
      WHERE endpoint_id = ${endpointId}::uuid AND job_id = ${jobId}::uuid AND state = 'pending'
      ORDER BY seq LIMIT 1
    )
    UPDATE webhook_deliveries d SET
      locked_until = now() + make_interval(secs => ${HOLD_MS / 1000}),
      attempts = d.attempts + 1,
      first_attempt_at = COALESCE(d.first_attempt_at, now()),
      last_attempt_at = now()
    FROM head, webhook_endpoints e
    WHERE d.id = head.id AND e.id = d.endpoint_id AND e.enabled
      AND d.state = 'pending' AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
    RETURNING d.id::text AS "id", d.event_type AS "eventType", d.occurred_at AS "occurredAt", d.job, d.change,
      d.attempts, d.first_attempt_at AS "firstAttemptAt", e.url, e.format::text AS "format", e.secret,
      e.previous_secret AS "previousSecret", e.previous_secret_expires_at AS "previousSecretExpiresAt"`;
  return rows[0] ?? null;
}

async function recordSuccess(db: Db, endpointId: string, claimed: Claimed, result: AttemptResult): Promise<void> {
  await db.$transaction([
    db.webhookDelivery.update({
      where: { id: claimed.id },
      data: {
        state: "delivered",
        deliveredAt: new Date(),
        lockedUntil: null,
        lastStatus: result.status,
        lastError: null,
        lastLatencyMs: result.latencyMs,
        responseExcerpt: result.excerpt,
      },
    }),
    db.webhookEndpoint.updateMany({ where: { id: endpointId, failingSince: { not: null } }, data: { failingSince: null } }),
  ]);
}

async function recordFailure(
  db: Db,
  endpointId: string,
  claimed: Claimed,
  result: AttemptResult,
  policy: RetryPolicy,
): Promise<"failed" | "retry"> {
  const givenUp = !result.retryable || Date.now() - claimed.firstAttemptAt.getTime() >= policy.giveUpAfterMs;
  const nextAttemptAt = new Date(Date.now() + retryDelayMs(claimed.attempts, policy, result.retryAfterMs));
  await db.webhookDelivery.update({
    where: { id: claimed.id },
    data: {
      state: givenUp ? "failed" : "pending",
      nextAttemptAt,
      lockedUntil: null,
      lastStatus: result.status,
      lastError: result.error,
      lastLatencyMs: result.latencyMs,
      responseExcerpt: result.excerpt,
    },
  });
  // An endpoint whose every attempt failed for giveUpAfterMs is switched off and flagged.
  const window = policy.giveUpAfterMs / 1000;
  await db.$executeRaw`
    UPDATE webhook_endpoints SET
      failing_since = COALESCE(failing_since, now()),
      enabled = CASE WHEN failing_since <= now() - make_interval(secs => ${window}) THEN false ELSE enabled END,
      disabled_at = CASE WHEN enabled AND failing_since <= now() - make_interval(secs => ${window}) THEN now() ELSE disabled_at END,
      disabled_reason = CASE WHEN enabled AND failing_since <= now() - make_interval(secs => ${window})
        THEN 'Every delivery failed since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') || ' (last: ' || ${result.error ?? "unknown"} || ')'
        ELSE disabled_reason END
    WHERE id = ${endpointId}::uuid`;
  return givenUp ? "failed" : "retry";
}

// Postgres text cannot hold NUL: a receiver's answer (or an error's words)
// carrying one would make the bookkeeping fail. What is stored never has one.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is replaced
const NUL = /\u0000/g;
const storable = (text: string | null): string | null => (text === null ? null : text.replace(NUL, "\uFFFD"));

function storableResult(result: AttemptResult): AttemptResult {
  return { ...result, excerpt: storable(result.excerpt), error: storable(result.error) };
}

// The outcome could not be written: the message is given up with the reason
// rather than left held, to be sent again when its hold runs out, without end.
async function recordBookkeepingFailure(db: Db, claimed: Claimed, result: AttemptResult, error: unknown): Promise<void> {
  const reason = `recording the attempt failed (${storable(error instanceof Error ? (error.message.trim().split("\n").at(-1) ?? "") : String(error))}); given up`;
  console.error(`webhooks: delivery ${claimed.id}: ${reason}`);
  await db.webhookDelivery.update({
    where: { id: claimed.id },
    data: { state: "failed", lockedUntil: null, lastStatus: result.status, lastError: reason.slice(0, 1_000), responseExcerpt: null },
  });
}

/**
 * Sends the next message of one job to one endpoint. "next": go on with the
 * job's following message; "wait": nothing due now (none left, held, or this
 * one must be retried later, which holds back the newer ones).
 */
export async function attemptDelivery(args: {
  db: Db;
  endpointId: string;
  jobId: string;
  allowPrivate: boolean;
  policy: RetryPolicy;
}): Promise<"next" | "wait"> {
  const { db, endpointId, jobId } = args;
  const claimed = await claimHead(db, endpointId, jobId);
  if (!claimed) return "wait";
  const id = messageId(claimed.id);
  const { body, headers } = deliveryMessage({ messageId: id, format: claimed.format, delivery: claimed, secrets: claimed });
  const result = storableResult(await postWebhook({ url: claimed.url, body, headers, allowPrivate: args.allowPrivate }));
  try {
    if (result.ok) {
      await recordSuccess(db, endpointId, claimed, result);
      return "next";
    }
    const state = await recordFailure(db, endpointId, claimed, result, args.policy);
    return state === "failed" ? "next" : "wait";
  } catch (error) {
    await recordBookkeepingFailure(db, claimed, result, error);
    return "next";
  }
}
