import type { Db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";

export const RATE_LIMIT_WINDOW_SECONDS = 60;

export function tooManyRequests(retryAfterSeconds: number): AppError {
  const seconds = Math.max(1, retryAfterSeconds);
  return new AppError("TOO_MANY_REQUESTS", `Rate limit of ${env().RATE_LIMIT_PER_MINUTE} requests a minute reached; retry in ${seconds} s.`, {
    retryAfterSeconds: seconds,
  });
}

/**
 * Counts a request of `subject` (e.g. "user:<id>") in Postgres, so every app
 * instance shares the count, in fixed one-minute windows. API keys are counted
 * in the statement that verifies them (server/auth/api-key.ts).
 */
export async function checkRateLimit({ db, subject }: { db: Db; subject: string }): Promise<void> {
  const rows = await db.$queryRaw<{ count: number; retry_after: number }[]>`
    INSERT INTO rate_limit_buckets AS b (subject, window_start, count)
    VALUES (${subject}, to_timestamp(floor(extract(epoch from now()) / ${RATE_LIMIT_WINDOW_SECONDS}) * ${RATE_LIMIT_WINDOW_SECONDS}), 1)
    ON CONFLICT (subject, window_start) DO UPDATE SET count = b.count + 1
    RETURNING b.count, ceil(extract(epoch from (b.window_start + make_interval(secs => ${RATE_LIMIT_WINDOW_SECONDS}) - now())))::int AS retry_after`;
  const row = rows[0];
  if (row && row.count > env().RATE_LIMIT_PER_MINUTE) throw tooManyRequests(row.retry_after);
}
