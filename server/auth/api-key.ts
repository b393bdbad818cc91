import { defaultKeyHasher } from "@better-auth/api-key";
import type { Db } from "../db";
import { AppError } from "../errors";
import { asRole, type Actor } from "./actor";

type KeyRow = { id: string; name: string | null; metadata: string | null; usable: boolean };

/**
 * Verifies an API key — stored hashed by better-auth's API-key plugin, hashed
 * here with the plugin's own hasher — in one read. It runs on every API call:
 * better-auth's own verifyApiKey takes four statements, two of them writes.
 */
export async function authenticateApiKey({ db, key }: { db: Db; key: string }): Promise<Actor> {
  const hashed = await defaultKeyHasher(key);
  const rows = await db.$queryRaw<KeyRow[]>`
    SELECT id, name, metadata, (enabled IS NOT FALSE AND ("expiresAt" IS NULL OR "expiresAt" > now())) AS usable
    FROM apikey WHERE key = ${hashed}`;
  const row = rows[0];
  if (!row?.usable) throw new AppError("UNAUTHORIZED", "The API key is not valid, expired or revoked.");
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
