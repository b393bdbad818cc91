import type { Db } from "../db";

// Every limit counts over the last minute at most; older buckets are dead
// weight that every sum would otherwise have to skip. They go in passing, at
// most every PURGE_EVERY_MS per process, from the paths that add buckets.

export const BUCKET_RETENTION_SECONDS = 600;
const PURGE_EVERY_MS = 10 * 60_000;

/** Deletes buckets older than BUCKET_RETENTION_SECONDS; returns how many. */
export async function purgeOldBuckets(db: Db): Promise<number> {
  return db.$executeRaw`DELETE FROM rate_limit_buckets WHERE window_start < now() - make_interval(secs => ${BUCKET_RETENTION_SECONDS})`;
}

let lastPurge = 0;

/** Purges in the background when the last purge here is PURGE_EVERY_MS old. */
export function schedulePurge(db: Db): void {
  if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
  lastPurge = Date.now();
  purgeOldBuckets(db).catch((error: unknown) => console.error("purging old rate-limit buckets failed", error));
}
