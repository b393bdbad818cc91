import { z } from "zod";
import {
  createWebhookEndpointInputSchema,
  listWebhookDeliveriesInputSchema,
  rotateWebhookSecretInputSchema,
  updateWebhookEndpointInputSchema,
  webhookDeliveryIdInputSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookEndpointIdInputSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
} from "../../webhooks/schema";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "../../webhooks/service";
import { adminProcedure, router } from "../init";

const tags = ["Webhooks"];

export const webhooksRouter = router({
  create: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/endpoints",
        tags,
        summary: "Register a webhook endpoint",
        description:
          "Returns the endpoint and its signing secret; the secret is shown this once. Loopback and private addresses are refused unless WEBHOOK_ALLOW_PRIVATE=1.",
        errorResponses: { 400: "Not an http(s) URL, or one that may not be called" },
      },
      successStatus: 201,
    })
    .input(createWebhookEndpointInputSchema)
    .output(webhookEndpointWithSecretSchema)
    .mutation(({ ctx, input }) => createWebhookEndpoint({ db: ctx.db, input })),

  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/webhooks/endpoints", tags, summary: "List webhook endpoints" } })
    .input(z.object({}).prefault({}))
    .output(z.array(webhookEndpointSchema))
    .query(({ ctx }) => listWebhookEndpoints({ db: ctx.db })),

  get: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/webhooks/endpoints/{endpoint_id}",
        tags,
        summary: "Get a webhook endpoint",
        errorResponses: { 404: "No such endpoint" },
      },
    })
    .input(webhookEndpointIdInputSchema)
    .output(webhookEndpointSchema)
    .query(({ ctx, input }) => getWebhookEndpoint({ db: ctx.db, id: input.endpoint_id })),

  update: adminProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/webhooks/endpoints/{endpoint_id}",
        tags,
        summary: "Change a webhook endpoint",
        description:
          "Changes the fields given. Enabling an endpoint that was disabled for failing clears the flag; its pending deliveries go out again.",
        errorResponses: { 404: "No such endpoint" },
      },
    })
    .input(updateWebhookEndpointInputSchema)
    .output(webhookEndpointSchema)
    .mutation(({ ctx, input }) => updateWebhookEndpoint({ db: ctx.db, input })),

  delete: adminProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/webhooks/endpoints/{endpoint_id}",
        tags,
        summary: "Delete a webhook endpoint",
        description: "Its delivery log and undelivered messages go with it.",
        errorResponses: { 404: "No such endpoint" },
      },
    })
    .input(webhookEndpointIdInputSchema)
    .output(webhookEndpointSchema)
    .mutation(({ ctx, input }) => deleteWebhookEndpoint({ db: ctx.db, id: input.endpoint_id })),

  rotateSecret: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/endpoints/{endpoint_id}/rotate-secret",
        tags,
        summary: "Rotate an endpoint's signing secret",
        description: "Returns the new secret, shown this once. The old one also signs every delivery for `grace_seconds` (default a day).",
        errorResponses: { 404: "No such endpoint" },
      },
    })
    .input(rotateWebhookSecretInputSchema)
    .output(webhookEndpointWithSecretSchema)
    .mutation(({ ctx, input }) => rotateWebhookSecret({ db: ctx.db, id: input.endpoint_id, graceSeconds: input.grace_seconds })),

  deliveries: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/webhooks/endpoints/{endpoint_id}/deliveries",
        tags,
        summary: "An endpoint's delivery log",
        description: "Newest first: state, attempts, the last HTTP status, latency and an excerpt of the answer.",
        errorResponses: { 404: "No such endpoint" },
      },
    })
    .input(listWebhookDeliveriesInputSchema)
    .output(webhookDeliveryPageSchema)
    .query(({ ctx, input }) =>
      listWebhookDeliveries({ db: ctx.db, endpointId: input.endpoint_id, limit: input.limit, cursor: input.cursor }),
    ),

  replay: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/deliveries/{delivery_id}/replay",
        tags,
        summary: "Send a delivery again",
        description: "Same webhook-id and body, signed anew.",
        errorResponses: { 404: "No such delivery" },
      },
    })
    .input(webhookDeliveryIdInputSchema)
    .output(webhookDeliverySchema)
    .mutation(({ ctx, input }) => replayWebhookDelivery({ db: ctx.db, messageId: input.delivery_id })),
});
