import { defaultKeyHasher } from "@better-auth/api-key";
import type { Db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { asRole, type Actor } from "../finetuning/actor";
import { RATE_LIMIT_WINDOW_SECONDS, tooManyRequests } from "../rate-limit/service";

type KeyRow = { id: string; name: string | null; metadata: string | null; usable: boolean; count: number | null; retry_after: number | null };

/**
 * Verifies an API key (stored hashed by better-auth's API-key plugin; hashed
 * here with the plugin's own hasher) and counts the request against the key's
 * rate limit — in one statement, because it runs on every API call (better-auth's
 * own verifyApiKey takes four, two of them writes).
 */
export async function authenticateApiKey({ db, key }: { db: Db; key: string }): Promise<Actor> {
  const hashed = await defaultKeyHasher(key);
  const rows = await db.$queryRaw<KeyRow[]>`
    WITH k AS (
      SELECT id, name, metadata, (enabled IS NOT FALSE AND ("expiresAt" IS NULL OR "expiresAt" > now())) AS usable
      FROM apikey WHERE key = ${hashed}
    ), counted AS (
      INSERT INTO rate_limit_buckets AS b (subject, window_start, count)
      SELECT 'key:' || k.id, to_timestamp(floor(extract(epoch from now()) / ${RATE_LIMIT_WINDOW_SECONDS}) * ${RATE_LIMIT_WINDOW_SECONDS}), 1
      FROM k WHERE k.usable
      ON CONFLICT (subject, window_start) DO UPDATE SET count = b.count + 1
      RETURNING b.count, ceil(extract(epoch from (b.window_start + make_interval(secs => ${RATE_LIMIT_WINDOW_SECONDS}) - now())))::int AS retry_after
    )
    SELECT k.id, k.name, k.metadata, k.usable, counted.count, counted.retry_after FROM k LEFT JOIN counted ON true`;
  const row = rows[0];
  if (!row?.usable) throw new AppError("UNAUTHORIZED", "The API key is not valid, expired or revoked.");
  if (row.count !== null && row.count > env().RATE_LIMIT_PER_MINUTE) throw tooManyRequests(row.retry_after ?? RATE_LIMIT_WINDOW_SECONDS);
  return { kind: "api_key", id: row.id, name: row.name ?? row.id, role: asRole(parseMetadata(row.metadata).role) };
}

function parseMetadata(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    // better-auth stores metadata JSON-encoded, sometimes twice.
    const value: unknown = typeof parsed === "string" ? JSON.parse(parsed) : parsed;
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
