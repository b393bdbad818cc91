import type { Db } from "../db";
import type { Actor } from "./actor";

// A verified API key's actor, remembered for at most KEY_CACHE_TTL_MS so that
// the key check is not a statement on every call (it was half of cancel's).
// What this costs: a revocation, demotion, ban or removal made by another
// instance (or straight in the database) reaches this instance's cached keys
// within KEY_CACHE_TTL_MS — under the one second the product promises. One
// made through this instance's own services (revokeApiKey, setUserRole,
// setUserBanned, removeUser) drops every cached key here at once.
// Only keys that verified are kept; a refused key is looked up every time.

export const KEY_CACHE_TTL_MS = 500;
const MAX_ENTRIES = 10_000;

type Entry = { actor: Extract<Actor, { kind: "api_key" }>; until: number; generation: number };

// Per database client, so that two clients in one process behave as two instances.
const caches = new WeakMap<Db, Map<string, Entry>>();
// Bumped by invalidateKeyCache(); an entry filled by a read that started before the bump is never used.
let generation = 0;

/** The generation a read starts in; pass it to rememberKey so a read racing an invalidation is not kept. */
export function keyCacheGeneration(): number {
  return generation;
}

export function cachedKey(db: Db, hashed: string, now = Date.now()): Extract<Actor, { kind: "api_key" }> | null {
  const entry = caches.get(db)?.get(hashed);
  if (!entry) return null;
  if (entry.until <= now || entry.generation !== generation) {
    caches.get(db)?.delete(hashed);
    return null;
  }
  return { ...entry.actor };
}

/** Remembers a verified key until the TTL or its own expiry, whichever is first. */
export function rememberKey(
  db: Db,
  hashed: string,
  actor: Extract<Actor, { kind: "api_key" }>,
  opts: { readGeneration: number; expiresAt: Date | null; now?: number },
): void {
  if (opts.readGeneration !== generation) return;
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map<string, Entry>()));
  if (cache.size >= MAX_ENTRIES) cache.clear();
  const now = opts.now ?? Date.now();
  const until = Math.min(now + KEY_CACHE_TTL_MS, opts.expiresAt?.getTime() ?? Infinity);
  cache.set(hashed, { actor: { ...actor }, until, generation });
}

/** Forgets every cached key in this process (after a change to keys, grants or users made here). */
export function invalidateKeyCache(): void {
  generation++;
}
