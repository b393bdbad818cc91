import type { Db } from "../db";
import { inPassing } from "../db/in-passing";

// Every limit counts over the last minute at most; older buckets are dead
// weight that every sum would otherwise have to skip. They go in passing, at
// most every PURGE_EVERY_MS per process, from the paths that add buckets.

export const BUCKET_RETENTION_SECONDS = 600;
const PURGE_EVERY_MS = 10 * 60_000;

/** Deletes buckets older than BUCKET_RETENTION_SECONDS; returns how many. */
export async function purgeOldBuckets(db: Db): Promise<number> {
  return db.$executeRaw`DELETE FROM rate_limit_buckets WHERE window_start < now() - make_interval(secs => ${BUCKET_RETENTION_SECONDS})`;
}

/** Purges in the background when the last purge here is PURGE_EVERY_MS old. */
export const schedulePurge = inPassing("purging old rate-limit buckets", PURGE_EVERY_MS, purgeOldBuckets);
