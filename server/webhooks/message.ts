import { appUrl } from "../env";
import { deliveryBody, deliveryPayload, type DeliveryContent } from "./rows";
import type { WebhookFormat } from "./schema";
import { signedHeaders, type SigningSecrets } from "./signing";
import { slackMessage } from "./slack";

/**
 * What one attempt sends, by the endpoint's format: the signed JSON payload, or
 * a Slack message. Both go through the same outbox, retries and address checks;
 * only the bytes differ. Slack checks no signature (its URL is the secret), so
 * a Slack message carries just the webhook-id, the same on every retry.
 */
export function deliveryMessage(args: { messageId: string; format: WebhookFormat; delivery: DeliveryContent; secrets: SigningSecrets }): {
  body: string;
  headers: Record<string, string>;
} {
  if (args.format === "slack") {
    return { body: JSON.stringify(slackMessage(deliveryPayload(args.delivery), appUrl())), headers: { "webhook-id": args.messageId } };
  }
  const body = deliveryBody(args.delivery);
  return { body, headers: signedHeaders({ messageId: args.messageId, body, secrets: args.secrets }) };
}
