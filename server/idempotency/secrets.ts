import { createdApiKeySchema } from "../auth/admin-schema";
import { webhookEndpointWithSecretSchema } from "../webhooks/schema";

// Answers that carry a secret (a new API key, a webhook signing secret) are
// shown once: the idempotency store keeps them without it. A procedure is
// known by its output schema, so any new one that answers these is covered.
const SECRET_FIELD_BY_OUTPUT = new Map<unknown, string>([
  [createdApiKeySchema, "key"],
  [webhookEndpointWithSecretSchema, "secret"],
]);

/** The field of a procedure's answer that holds a secret, if its output schema (`_def.output`) is one that does. */
export function secretFieldOf(output: unknown): string | undefined {
  return SECRET_FIELD_BY_OUTPUT.get(output);
}

/** What a replay says where the secret was. */
export const SECRET_WITHHELD =
  "The secret was shown once, in the first answer to this request, and is not stored; if it was lost, make a new one.";

/**
 * The answer as the store keeps it: every `field` holding a string, at any
 * depth (REST's object, tRPC's `result.data`, each call of a batch), becomes
 * null, with `secret_withheld` beside it saying why. An answer that is not
 * JSON is not kept at all (null).
 */
export function withoutSecrets(body: string | null, fields: readonly string[]): string | null {
  if (body === null || fields.length === 0) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  return JSON.stringify(strip(parsed, fields));
}

function strip(value: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => strip(item, fields));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  let withheld = false;
  for (const [name, item] of Object.entries(value)) {
    if (fields.includes(name) && typeof item === "string") {
      out[name] = null;
      withheld = true;
    } else {
      out[name] = strip(item, fields);
    }
  }
  if (withheld) out.secret_withheld = SECRET_WITHHELD;
  return out;
}
