import type { Db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { RefusedTargetError, resolveWebhookTarget } from "./address-guard";
import { DELIVERY_SELECT, ENDPOINT_SELECT, rowIdOfMessage, toWireDelivery, toWireEndpoint } from "./rows";
import { isSlackEventType, SLACK_EVENT_TYPES } from "./schema";
import type {
  CreateWebhookEndpointInput,
  WebhookEventType,
  WebhookFormat,
  UpdateWebhookEndpointInput,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from "./schema";
import { generateWebhookSecret } from "./signing";

// Admin use cases for webhook endpoints and their delivery log.

function endpointNotFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Webhook endpoint ${id} not found.`);
}

/** Refuses a URL the dispatcher would refuse anyway, so the admin learns it now. */
async function checkUrl(url: string, allowPrivate: boolean): Promise<void> {
  try {
    await resolveWebhookTarget(url, { allowPrivate });
  } catch (error) {
    const why =
      error instanceof RefusedTargetError
        ? error.message
        : `it does not resolve (${error instanceof Error ? error.message : String(error)})`;
    throw new AppError("BAD_REQUEST", `url: cannot deliver to ${url}: ${why}.`, { field: "url" });
  }
}

export async function createWebhookEndpoint(args: {
  db: Db;
  input: CreateWebhookEndpointInput;
  allowPrivate?: boolean;
}): Promise<WebhookEndpointWithSecret> {
  const { db, input } = args;
  refuseOtherThanSlackTypes(input.format ?? "standard", input.event_types);
  await checkUrl(input.url, args.allowPrivate ?? env().WEBHOOK_ALLOW_PRIVATE);
  const secret = generateWebhookSecret();
  const row = await db.webhookEndpoint.create({
    data: {
      url: input.url,
      format: input.format ?? "standard",
      description: input.description ?? null,
      eventTypes: [...new Set(input.event_types)],
      enabled: input.enabled,
      secret,
    },
    select: ENDPOINT_SELECT,
  });
  return { endpoint: toWireEndpoint(row), secret };
}

export async function listWebhookEndpoints({ db }: { db: Db }): Promise<WebhookEndpoint[]> {
  const rows = await db.webhookEndpoint.findMany({ orderBy: { createdAt: "asc" }, select: ENDPOINT_SELECT });
  return rows.map(toWireEndpoint);
}

export async function getWebhookEndpoint({ db, id }: { db: Db; id: string }): Promise<WebhookEndpoint> {
  const row = await db.webhookEndpoint.findUnique({ where: { id }, select: ENDPOINT_SELECT });
  if (!row) throw endpointNotFound(id);
  return toWireEndpoint(row);
}

/** Changes what is given; enabling an endpoint again clears its disabled flag and its failure streak. */
export async function updateWebhookEndpoint(args: {
  db: Db;
  input: UpdateWebhookEndpointInput;
  allowPrivate?: boolean;
}): Promise<WebhookEndpoint> {
  const { db, input } = args;
  if (input.url !== undefined) await checkUrl(input.url, args.allowPrivate ?? env().WEBHOOK_ALLOW_PRIVATE);
  if (input.format !== undefined || input.event_types !== undefined) await checkSlackEventTypes(db, input);
  const result = await db.webhookEndpoint.updateManyAndReturn({
    where: { id: input.endpoint_id },
    data: {
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.format !== undefined ? { format: input.format } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.event_types !== undefined ? { eventTypes: [...new Set(input.event_types)] } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.enabled === true ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
    },
    select: ENDPOINT_SELECT,
  });
  const row = result[0];
  if (!row) throw endpointNotFound(input.endpoint_id);
  return toWireEndpoint(row);
}

/** A Slack endpoint, as it would be after the update, is sent only SLACK_EVENT_TYPES. */
async function checkSlackEventTypes(db: Db, input: UpdateWebhookEndpointInput): Promise<void> {
  const current = await db.webhookEndpoint.findUnique({ where: { id: input.endpoint_id }, select: { format: true, eventTypes: true } });
  if (!current) throw endpointNotFound(input.endpoint_id);
  refuseOtherThanSlackTypes(input.format ?? current.format, input.event_types ?? (current.eventTypes as WebhookEventType[]));
}

function refuseOtherThanSlackTypes(format: WebhookFormat, types: WebhookEventType[]): void {
  if (format === "slack" && !types.every(isSlackEventType)) {
    throw new AppError("BAD_REQUEST", `event_types: a Slack endpoint can be sent only ${SLACK_EVENT_TYPES.join(", ")}.`, {
      field: "event_types",
    });
  }
}

/** Deletes the endpoint and its delivery log; undelivered messages are dropped with it. */
export async function deleteWebhookEndpoint({ db, id }: { db: Db; id: string }): Promise<WebhookEndpoint> {
  const endpoint = await getWebhookEndpoint({ db, id });
  const { count } = await db.webhookEndpoint.deleteMany({ where: { id } });
  if (count === 0) throw endpointNotFound(id);
  return endpoint;
}

/**
 * A new secret signs from now on; the old one also signs (both signatures in
 * `webhook-signature`) for `graceSeconds`, so receivers can switch over
 * without rejecting a delivery.
 */
export async function rotateWebhookSecret(args: { db: Db; id: string; graceSeconds: number }): Promise<WebhookEndpointWithSecret> {
  const { db, id, graceSeconds } = args;
  const secret = generateWebhookSecret();
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE webhook_endpoints SET
      previous_secret = CASE WHEN ${graceSeconds}::int > 0 THEN secret ELSE NULL END,
      previous_secret_expires_at = CASE WHEN ${graceSeconds}::int > 0 THEN now() + make_interval(secs => ${graceSeconds}::int) ELSE NULL END,
      secret = ${secret}, updated_at = now()
    WHERE id = ${id}::uuid RETURNING id::text`;
  if (!rows[0]) throw endpointNotFound(id);
  return { endpoint: await getWebhookEndpoint({ db, id }), secret };
}

/** An endpoint's deliveries, newest first. */
export async function listWebhookDeliveries(args: {
  db: Db;
  endpointId: string;
  limit: number;
  cursor?: string;
}): Promise<WebhookDeliveryPage> {
  const { db, endpointId, limit, cursor } = args;
  await getWebhookEndpoint({ db, id: endpointId });
  const rows = await db.webhookDelivery.findMany({
    where: { endpointId, ...(cursor ? { seq: { lt: BigInt(cursor) } } : {}) },
    orderBy: { seq: "desc" },
    take: limit + 1,
    select: DELIVERY_SELECT,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toWireDelivery), next_cursor: rows.length > limit && last ? last.seq.toString() : null };
}

/**
 * Sends a delivery again, with the same webhook-id and body (receivers that
 * dedupe by id will see it as the same message), whatever became of it.
 */
export async function replayWebhookDelivery({ db, messageId }: { db: Db; messageId: string }): Promise<WebhookDelivery> {
  const id = rowIdOfMessage(messageId);
  const notFound = new AppError("NOT_FOUND", `Webhook delivery ${messageId} not found.`);
  if (!id) throw notFound;
  const result = await db.webhookDelivery.updateManyAndReturn({
    where: { id },
    data: { state: "pending", nextAttemptAt: new Date(), lockedUntil: null, firstAttemptAt: null, deliveredAt: null },
    select: DELIVERY_SELECT,
  });
  const row = result[0];
  if (!row) throw notFound;
  return toWireDelivery(row);
}
