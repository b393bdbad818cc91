import "server-only";
import type { Db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { schedulePurge } from "./purge";

// Requests per user (all of its API keys and sessions together; each CLI key
// on its own), in fixed one-minute windows. Each app
// instance counts in memory and adds its counts to Postgres every
// FLUSH_INTERVAL_MS, reading back the total of every instance. A write per
// request on one hot row per key serialised a key's requests on its row lock
// (docs/BENCHMARKS.md); this way the limit is shared across instances within
// half a second and costs no round trip on the request's path.

export const RATE_LIMIT_WINDOW_SECONDS = 60;
const FLUSH_INTERVAL_MS = 500;

type Counter = { window: number; unflushed: number; shared: number };
type State = { db: Db; counters: Map<string, Counter>; usedKeys: Set<string>; timer?: NodeJS.Timeout };
const globalForRateLimit = globalThis as unknown as { controlRoomRateLimit?: State };

const windowOf = (ms: number) => Math.floor(ms / 1000 / RATE_LIMIT_WINDOW_SECONDS);

export function tooManyRequests(retryAfterSeconds: number): AppError {
  const seconds = Math.max(1, retryAfterSeconds);
  return new AppError(
    "TOO_MANY_REQUESTS",
    `Rate limit of ${env().RATE_LIMIT_PER_MINUTE} requests a minute reached; retry in ${seconds} s.`,
    {
      retryAfterSeconds: seconds,
    },
  );
}

/** Counts one request of `subject` ("key:<id>", "user:<id>"); TOO_MANY_REQUESTS past the limit. */
export function countRequest({ db, subject }: { db: Db; subject: string }): void {
  const state: State = (globalForRateLimit.controlRoomRateLimit ??= { db, counters: new Map(), usedKeys: new Set() });
  state.db = db;
  const now = Date.now();
  const window = windowOf(now);
  let counter = state.counters.get(subject);
  if (!counter || counter.window !== window) {
    counter = { window, unflushed: 0, shared: 0 };
    state.counters.set(subject, counter);
  }
  counter.unflushed++;
  state.timer ??= setTimeout(() => void flush(state), FLUSH_INTERVAL_MS).unref();
  if (counter.shared + counter.unflushed > env().RATE_LIMIT_PER_MINUTE) {
    const windowEnd = (window + 1) * RATE_LIMIT_WINDOW_SECONDS * 1000;
    throw tooManyRequests(Math.ceil((windowEnd - now) / 1000));
  }
}

/** Remembers that an API key was used; "last used" is saved with the next flush, not on the request's path. */
export function noteKeyUse(keyId: string): void {
  const state = globalForRateLimit.controlRoomRateLimit;
  if (!state) return;
  state.usedKeys.add(keyId);
  state.timer ??= setTimeout(() => void flush(state), FLUSH_INTERVAL_MS).unref();
}

async function saveKeyUse(state: State): Promise<void> {
  if (state.usedKeys.size === 0) return;
  const ids = [...state.usedKeys];
  state.usedKeys.clear();
  try {
    await state.db.$executeRaw`UPDATE api_key_grants SET last_used_at = now() WHERE api_key_id = ANY(${ids}::uuid[])`;
  } catch (error) {
    console.error("rate limit: last use of API keys not saved", error);
  }
}

async function flush(state: State): Promise<void> {
  state.timer = undefined;
  schedulePurge(state.db);
  await saveKeyUse(state);
  const current = windowOf(Date.now());
  for (const [subject, counter] of state.counters) {
    if (counter.window !== current && counter.unflushed === 0) {
      state.counters.delete(subject);
      continue;
    }
    const adding = counter.unflushed;
    if (adding === 0) continue;
    try {
      const rows = await state.db.$queryRaw<{ count: number }[]>`
        INSERT INTO rate_limit_buckets AS b (subject, window_start, count)
        VALUES (${subject}, to_timestamp(${counter.window * RATE_LIMIT_WINDOW_SECONDS}), ${adding})
        ON CONFLICT (subject, window_start) DO UPDATE SET count = b.count + EXCLUDED.count
        RETURNING b.count`;
      counter.unflushed -= adding;
      counter.shared = rows[0]?.count ?? counter.shared + adding;
    } catch (error) {
      console.error("rate limit: counts not saved yet; retrying", error);
    }
  }
  if ([...state.counters.values()].some((c) => c.unflushed > 0))
    state.timer ??= setTimeout(() => void flush(state), FLUSH_INTERVAL_MS).unref();
}
