import { z } from "zod";
import { finetuningJobSchema, idSchema } from "../finetuning/schema";

// The webhooks contract: what admins send and read, and what receivers get.

/**
 * Every event a receiver can subscribe to. Which job_events rows map to which
 * types is decided in one place, the `webhook_event_types` SQL function that
 * the outbox trigger calls.
 */
export const WEBHOOK_EVENT_TYPES = [
  "job.created",
  "job.status_changed",
  "job.cancelled",
  "job.succeeded",
  "job.failed",
  "job.paused",
  "job.resumed",
  "job.checkpoint_created",
  "job.cancel_stuck",
  "guardrail.triggered",
  "sweep.run_stopped",
] as const;
export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

export const WEBHOOK_DELIVERY_STATES = ["pending", "delivered", "failed"] as const;

/**
 * What an endpoint is sent: "standard", the signed JSON payload below (Standard
 * Webhooks); "slack", a Slack incoming-webhook message for people on call.
 */
export const WEBHOOK_FORMATS = ["standard", "slack"] as const;
export const webhookFormatSchema = z.enum(WEBHOOK_FORMATS);
export type WebhookFormat = z.infer<typeof webhookFormatSchema>;
/** The events a Slack endpoint can be sent: what someone should look at (trips, failures, cancels, a sweep's stops). */
export const SLACK_EVENT_TYPES = [
  "guardrail.triggered",
  "job.failed",
  "job.cancelled",
  "job.cancel_stuck",
  "sweep.run_stopped",
] as const satisfies readonly WebhookEventType[];

export function isSlackEventType(type: WebhookEventType): boolean {
  return (SLACK_EVENT_TYPES as readonly WebhookEventType[]).includes(type);
}

const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2048, "must be at most 2048 characters");

export const webhookEndpointSchema = z.object({
  id: idSchema,
  url: z.string(),
  format: webhookFormatSchema,
  description: z.string().nullable(),
  event_types: z.array(webhookEventTypeSchema),
  enabled: z.boolean(),
  // Set when the endpoint was switched off because every delivery failed for a day.
  disabled_at: z.iso.datetime().nullable(),
  disabled_reason: z.string().nullable(),
  failing_since: z.iso.datetime().nullable(),
  // Until then the previous secret also signs (after a rotation).
  previous_secret_expires_at: z.iso.datetime().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** The only answers that carry the secret: creating an endpoint and rotating its secret. */
export const webhookEndpointWithSecretSchema = z.object({
  endpoint: webhookEndpointSchema,
  secret: z.string().describe("The signing secret (whsec_…). Shown this once; store it in the receiver."),
});
export type WebhookEndpointWithSecret = z.infer<typeof webhookEndpointWithSecretSchema>;

// Each type at most once, so never more than there are types.
const eventTypesInputSchema = z
  .array(webhookEventTypeSchema)
  .min(1, "subscribe to at least one event type")
  .max(WEBHOOK_EVENT_TYPES.length, `at most ${WEBHOOK_EVENT_TYPES.length} event types, each once`);

const slackTypesOnly = (value: { format?: WebhookFormat | undefined; event_types?: WebhookEventType[] | undefined }) =>
  value.format !== "slack" || (value.event_types ?? []).every(isSlackEventType);
const SLACK_TYPES_ONLY = {
  message: `a Slack endpoint can be sent only ${SLACK_EVENT_TYPES.join(", ")}`,
  path: ["event_types"],
};

export const createWebhookEndpointInputSchema = z
  .object({
    url: webhookUrlSchema,
    format: webhookFormatSchema.default("standard"),
    description: z.string().max(500).nullish(),
    event_types: eventTypesInputSchema,
    enabled: z.boolean().default(true),
  })
  .refine(slackTypesOnly, SLACK_TYPES_ONLY);
// Callers inside the server may leave the format out: standard, as the schema's default.
export type CreateWebhookEndpointInput = Omit<z.infer<typeof createWebhookEndpointInputSchema>, "format"> & { format?: WebhookFormat };

export const webhookEndpointIdInputSchema = z.object({ endpoint_id: idSchema });

export const updateWebhookEndpointInputSchema = z.object({
  endpoint_id: idSchema,
  url: webhookUrlSchema.optional(),
  format: webhookFormatSchema.optional(),
  description: z.string().max(500).nullish(),
  event_types: eventTypesInputSchema.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookEndpointInput = z.infer<typeof updateWebhookEndpointInputSchema>;

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
export const rotateWebhookSecretInputSchema = z.object({
  endpoint_id: idSchema,
  grace_seconds: z
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(DEFAULT_ROTATION_GRACE_SECONDS)
    .describe("How long the previous secret keeps signing too (0: at once no longer)."),
});

export const webhookDeliverySchema = z.object({
  id: z.string().describe("The message id, sent as `webhook-id`: the same on every retry and replay."),
  endpoint_id: idSchema,
  event_type: webhookEventTypeSchema,
  job_id: idSchema.nullable(),
  state: z.enum(WEBHOOK_DELIVERY_STATES),
  attempts: z.int(),
  last_status: z.int().nullable().describe("The receiver's HTTP status on the last attempt (null: no answer)."),
  last_error: z.string().nullable(),
  last_latency_ms: z.int().nullable(),
  response_excerpt: z.string().nullable(),
  created_at: z.iso.datetime(),
  last_attempt_at: z.iso.datetime().nullable(),
  next_attempt_at: z.iso.datetime().nullable(),
  delivered_at: z.iso.datetime().nullable(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

const MAX_INT8 = 9_223_372_036_854_775_807n;

export const listWebhookDeliveriesInputSchema = z.object({
  endpoint_id: idSchema,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // A delivery's seq is a bigint (int8): digits, at most its largest value.
  cursor: z
    .string()
    .max(19, "must be a next_cursor from a previous page")
    .regex(/^\d+$/, "must be a next_cursor from a previous page")
    .refine((value) => !/^\d+$/.test(value) || BigInt(value) <= MAX_INT8, "must be a next_cursor from a previous page")
    .optional(),
});
export const webhookDeliveryPageSchema = z.object({
  items: z.array(webhookDeliverySchema),
  next_cursor: z.string().nullable(),
});
export type WebhookDeliveryPage = z.infer<typeof webhookDeliveryPageSchema>;

export const webhookDeliveryIdInputSchema = z.object({ delivery_id: z.string().min(1).max(64) });

/** The body every receiver gets (signed per Standard Webhooks). */
export const webhookPayloadSchema = z.object({
  type: webhookEventTypeSchema,
  timestamp: z.iso.datetime().describe("When the change happened."),
  data: z.object({
    job: finetuningJobSchema.describe("The whole job right after the change."),
    change: z.object({
      event_id: z.string(),
      kind: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      actor: z.string().describe("Who made the change."),
      reason: z.string().nullable().describe("Why."),
      metadata: z.record(z.string(), z.unknown()).nullable(),
    }),
  }),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
