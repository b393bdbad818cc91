import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

// Standard Webhooks signing: webhook-id, webhook-timestamp and
// webhook-signature ("v1,<base64 HMAC-SHA256>"; several, space-separated,
// while a rotated-out secret is still in its grace period).

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export type SigningSecrets = { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null };

export function activeSecrets(s: SigningSecrets, now: Date): string[] {
  const previousValid = s.previousSecret && s.previousSecretExpiresAt && s.previousSecretExpiresAt > now;
  return previousValid && s.previousSecret ? [s.secret, s.previousSecret] : [s.secret];
}

export function signedHeaders(args: { messageId: string; body: string; secrets: SigningSecrets; now?: Date }): Record<string, string> {
  const now = args.now ?? new Date();
  const signatures = activeSecrets(args.secrets, now).map((secret) => new Webhook(secret).sign(args.messageId, now, args.body));
  return {
    "webhook-id": args.messageId,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
