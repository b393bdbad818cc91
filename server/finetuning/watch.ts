import "server-only";
import { LRUCache } from "lru-cache";
import type { Db } from "../db";
import { planOf } from "../worker/poll-plan";
import { hurryAdvance } from "../worker/queue";

// A person reading a job's training curves (its detail page refetches them
// while it trains) is watching it: the worker polls a watched job first
// (server/worker/poll-plan.ts). The mark lasts a minute and is written at most
// every half minute per job and process, so the reads stay cheap.

const WATCH_FOR_SECONDS = 60;
const REMARK_AFTER_MS = 30_000;
const markedAt = new LRUCache<string, number>({ max: 10_000 });

export async function markWatched({ db, id }: { db: Db; id: string }): Promise<void> {
  const key = id.toLowerCase();
  const now = Date.now();
  if (now - (markedAt.get(key) ?? 0) < REMARK_AFTER_MS) return;
  markedAt.set(key, now);
  const [row] = await db.$queryRaw<Array<{ fresh: boolean }>>`
    UPDATE finetuning_jobs SET watched_until = clock_timestamp() + make_interval(secs => ${WATCH_FOR_SECONDS})
    WHERE id = ${key}::uuid AND status IN ('running', 'cancelling', 'pausing')
    RETURNING (old.watched_until IS NULL OR old.watched_until < clock_timestamp()) AS fresh`;
  // A watch that begins brings its next poll forward, once per watch across every app instance (the database decides).
  if (row?.fresh) await hurryAdvance(key, planOf("watched", 0)).catch(() => undefined);
}
