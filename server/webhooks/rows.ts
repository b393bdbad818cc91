import type { Prisma } from "../generated/prisma/client";
import type { JobRow } from "../finetuning/job-row";
import { toWireJob } from "../finetuning/job-row";
import type { FinetuningJob } from "../finetuning/schema";
import type { WebhookDelivery, WebhookEndpoint, WebhookEventType, WebhookPayload } from "./schema";

// What the services read of endpoints and deliveries, and the mappers to the wire.

export const ENDPOINT_SELECT = {
  id: true,
  url: true,
  format: true,
  description: true,
  eventTypes: true,
  enabled: true,
  disabledAt: true,
  disabledReason: true,
  failingSince: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.WebhookEndpointSelect;
type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof ENDPOINT_SELECT }>;

export function toWireEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    format: row.format,
    description: row.description,
    event_types: row.eventTypes as WebhookEventType[],
    enabled: row.enabled,
    disabled_at: row.disabledAt?.toISOString() ?? null,
    disabled_reason: row.disabledReason,
    failing_since: row.failingSince?.toISOString() ?? null,
    previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const DELIVERY_SELECT = {
  id: true,
  seq: true,
  endpointId: true,
  eventType: true,
  jobId: true,
  state: true,
  attempts: true,
  lastStatus: true,
  lastError: true,
  lastLatencyMs: true,
  responseExcerpt: true,
  createdAt: true,
  lastAttemptAt: true,
  nextAttemptAt: true,
  deliveredAt: true,
} as const satisfies Prisma.WebhookDeliverySelect;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof DELIVERY_SELECT }>;

export function toWireDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: messageId(row.id),
    endpoint_id: row.endpointId,
    event_type: row.eventType as WebhookEventType,
    job_id: row.jobId,
    state: row.state,
    attempts: row.attempts,
    last_status: row.lastStatus,
    last_error: row.lastError,
    last_latency_ms: row.lastLatencyMs,
    response_excerpt: row.responseExcerpt,
    created_at: row.createdAt.toISOString(),
    last_attempt_at: row.lastAttemptAt?.toISOString() ?? null,
    next_attempt_at: row.state === "pending" ? row.nextAttemptAt.toISOString() : null,
    delivered_at: row.deliveredAt?.toISOString() ?? null,
  };
}

/** The webhook-id of a delivery row (and back): msg_ + its uuid. */
export function messageId(rowId: string): string {
  return `msg_${rowId}`;
}
export function rowIdOfMessage(id: string): string | null {
  const m = /^msg_([0-9a-f-]{36})$/i.exec(id);
  return m?.[1] ?? null;
}

// The trigger stores the whole job row in the job row's field names, with
// timestamps as JSON strings; those (the fields named …At or …Finish) are the
// only thing to turn back.
const DATE_FIELD = /(At|Finish)$/;
function jobFromSnapshot(snapshot: Record<string, unknown>): FinetuningJob {
  const row = Object.fromEntries(
    Object.entries(snapshot).map(([key, value]) => [key, DATE_FIELD.test(key) && typeof value === "string" ? new Date(value) : value]),
  ) as Record<string, unknown>;
  row.createdAt ??= new Date(0);
  row.updatedAt ??= new Date(0);
  if (!Array.isArray(row.goldenRecordIds)) row.goldenRecordIds = [];
  return toWireJob(row as unknown as JobRow);
}

/** The body of a delivery: the same bytes on every attempt. */
export function deliveryBody(row: DeliveryContent): string {
  return JSON.stringify(deliveryPayload(row));
}

export type DeliveryContent = { eventType: string; occurredAt: Date; job: unknown; change: unknown };

/** What a delivery tells, from the outbox row: the event, the job right after it, and the change. */
export function deliveryPayload(row: DeliveryContent): WebhookPayload {
  const change = (row.change ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const payload: WebhookPayload = {
    type: row.eventType as WebhookEventType,
    timestamp: row.occurredAt.toISOString(),
    data: {
      job: jobFromSnapshot((row.job ?? {}) as Record<string, unknown>),
      change: {
        event_id: str(change.event_id) ?? "",
        kind: str(change.kind) ?? "",
        from: str(change.from),
        to: str(change.to),
        actor: str(change.actor) ?? "",
        reason: str(change.reason),
        metadata:
          change.metadata !== null && typeof change.metadata === "object" && !Array.isArray(change.metadata)
            ? (change.metadata as Record<string, unknown>)
            : null,
      },
    },
  };
  return payload;
}
