import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "../db";
import { AppError } from "../errors";
import { asRole, lowerRole, type Actor } from "./actor";
import { cachedKey, keyCacheGeneration, rememberKey } from "./key-cache";

export const SYSTEM_USER_EMAIL = "system@controlroom.local";

type KeyRow = {
  id: string;
  name: string | null;
  key_role: string;
  owner_id: string;
  owner_role: string | null;
  system_owned: boolean;
  expires_at: Date | null;
};

const INVALID_KEY = "The API key is not valid, expired or revoked.";

/**
 * How better-auth's API-key plugin stores a key (its defaultKeyHasher:
 * SHA-256, base64url without padding), computed synchronously: the plugin's
 * WebCrypto digest is a thread-pool round per request, and it was up to a
 * sixth of a REST cancel's CPU samples. tests/unit/api-key-hash.test.ts keeps the two equal.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("base64url");
}

/**
 * Verifies an API key — stored hashed by better-auth's API-key plugin, hashed
 * here as the plugin hashes it (hashApiKey) — in one read. It runs on every API call:
 * better-auth's own verifyApiKey takes four statements, two of them writes.
 *
 * The role comes from api_key_grants (only the server writes it), lowered to
 * the owner's role as it is now; a banned or deleted owner's keys do nothing.
 * A verified key is remembered for half a second (./key-cache.ts): changes
 * reach every instance within that, and this instance's own at once.
 */
export async function authenticateApiKey({ db, key }: { db: Db; key: string }): Promise<Actor> {
  const hashed = hashApiKey(key);
  const cached = cachedKey(db, hashed);
  if (cached) return cached;
  const readGeneration = keyCacheGeneration();
  const rows = await db.$queryRaw<KeyRow[]>`
    SELECT k.id, k.name, g.role AS key_role, u.id AS owner_id, u.role AS owner_role, u.email = ${SYSTEM_USER_EMAIL} AS system_owned, k."expiresAt" AS expires_at
    FROM apikey k
    JOIN api_key_grants g ON g.api_key_id = k.id
    JOIN "user" u ON u.id = g.owner_id
    WHERE k.key = ${hashed}
      AND k.enabled IS NOT FALSE AND (k."expiresAt" IS NULL OR k."expiresAt" > now())
      AND (u.banned IS NOT TRUE OR (u."banExpires" IS NOT NULL AND u."banExpires" <= now()))`;
  const row = rows[0];
  if (!row) throw new AppError("UNAUTHORIZED", INVALID_KEY);
  const actor: Extract<Actor, { kind: "api_key" }> = {
    kind: "api_key",
    id: row.id,
    name: row.name ?? row.id,
    role: lowerRole(asRole(row.key_role), asRole(row.owner_role)),
    ownerId: row.owner_id,
    // Keys the CLI makes belong to the system account; each is its own client with its own budget.
    budget: row.system_owned ? `key:${row.id}` : `user:${row.owner_id}`,
  };
  rememberKey(db, hashed, actor, { readGeneration, expiresAt: row.expires_at });
  return actor;
}
