import type { Db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import type { Actor } from "../finetuning/actor";

const WINDOW_SECONDS = 60;

function subjectOf(actor: Actor): string | null {
  if (actor.kind === "api_key") return `key:${actor.id}`;
  if (actor.kind === "user") return `user:${actor.id}`;
  return null;
}

/**
 * Counts the request in Postgres (so every app instance shares the count) and
 * answers TOO_MANY_REQUESTS with the seconds until the window ends.
 */
export async function checkRateLimit({ db, actor }: { db: Db; actor: Actor }): Promise<void> {
  const subject = subjectOf(actor);
  const limit = env().RATE_LIMIT_PER_MINUTE;
  if (!subject) return;
  const rows = await db.$queryRaw<{ count: number; retry_after: number }[]>`
    INSERT INTO rate_limit_buckets AS b (subject, window_start, count)
    VALUES (${subject}, to_timestamp(floor(extract(epoch from now()) / ${WINDOW_SECONDS}) * ${WINDOW_SECONDS}), 1)
    ON CONFLICT (subject, window_start) DO UPDATE SET count = b.count + 1
    RETURNING b.count, ceil(extract(epoch from (b.window_start + make_interval(secs => ${WINDOW_SECONDS}) - now())))::int AS retry_after`;
  const row = rows[0];
  if (row && row.count > limit) {
    const retryAfterSeconds = Math.max(1, row.retry_after);
    throw new AppError("TOO_MANY_REQUESTS", `Rate limit of ${limit} requests a minute reached; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}
