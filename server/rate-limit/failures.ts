import type { Db } from "../db";
import { AppError } from "../errors";
import { schedulePurge } from "./purge";

// Failed attempts (wrong passwords, unknown API keys), counted in Postgres at
// once — not batched like request counts — so a limit holds across app
// instances and restarts from the first attempt. Buckets of 10 s summed over
// the last minute make a sliding window: the 6th failure within any minute is
// refused, wherever the minute boundary falls.

const BUCKET_SECONDS = 10;
const WINDOW_SECONDS = 60;

export type FailureLimit = { subject: string; max: number };

// Wrong passwords for one account from one address; from all addresses a
// higher limit, so a guesser elsewhere cannot lock the real user out with 5.
export const SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5;
export const SIGN_IN_FAILURES_PER_ACCOUNT = 50;
export const SIGN_IN_FAILURES_PER_ADDRESS = 20;
export const BAD_CREDENTIALS_PER_ADDRESS = 100;

function refusal(message: string, oldest: Date | null): AppError {
  const freeAt = (oldest?.getTime() ?? Date.now()) + (WINDOW_SECONDS + BUCKET_SECONDS) * 1000;
  const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - Date.now()) / 1000));
  return new AppError("TOO_MANY_REQUESTS", `${message} Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
}

export type Reservation = { subjects: string[]; windowStart: Date };

type Bumped = { window_start: Date; count: number; oldest: Date };

/**
 * Adds one to a subject's current bucket and reads its sum over the window, in
 * one statement. One row per statement, outside any transaction: a statement
 * that bumped several rows would hold one row's lock while waiting for
 * another's, and two sign-ins racing for the same rows in a different order
 * (or a release beside a reservation) deadlocked.
 */
async function bump(db: Db, subject: string, windowStart: Date | null): Promise<Bumped> {
  const rows = await db.$queryRaw<Bumped[]>`
    WITH bumped AS (
      INSERT INTO rate_limit_buckets AS b (subject, window_start, count)
      VALUES (${subject}, coalesce(${windowStart}::timestamptz, to_timestamp(floor(extract(epoch FROM now()) / ${BUCKET_SECONDS}) * ${BUCKET_SECONDS})), 1)
      ON CONFLICT (subject, window_start) DO UPDATE SET count = b.count + 1
      RETURNING b.window_start, b.count
    )
    SELECT bumped.window_start,
      (bumped.count + coalesce((SELECT sum(o.count) FROM rate_limit_buckets o
        WHERE o.subject = ${subject} AND o.window_start <> bumped.window_start
          AND o.window_start > now() - make_interval(secs => ${WINDOW_SECONDS})), 0))::int AS count,
      coalesce((SELECT min(o.window_start) FROM rate_limit_buckets o
        WHERE o.subject = ${subject} AND o.window_start > now() - make_interval(secs => ${WINDOW_SECONDS})), bumped.window_start) AS oldest
    FROM bumped`;
  return rows[0]!;
}

/**
 * Counts one attempt against each subject before it is tried, and refuses it
 * (taking the counts back) when that passes a limit. Each increment locks its
 * bucket row, so concurrent attempts get distinct counts: at most `max`
 * attempts are ever in flight or failed within the window, however many
 * arrive at once. Keep the reservation when the attempt failed; release it
 * when it succeeded (or was no attempt at all).
 */
export async function reserveAttempt({ db, limits, message }: { db: Db; limits: FailureLimit[]; message: string }): Promise<Reservation> {
  schedulePurge(db);
  let windowStart: Date | null = null;
  const subjects: string[] = [];
  for (const limit of limits) {
    let bumped: Bumped;
    try {
      bumped = await bump(db, limit.subject, windowStart);
    } catch (error) {
      // Counted against none: take back what this attempt already bumped.
      if (windowStart) await releaseAttempt({ db, reservation: { subjects, windowStart } }).catch(() => {});
      throw error;
    }
    windowStart = bumped.window_start;
    subjects.push(limit.subject);
    if (bumped.count > limit.max) {
      await releaseAttempt({ db, reservation: { subjects, windowStart } });
      throw refusal(message, bumped.oldest);
    }
  }
  return { subjects, windowStart: windowStart ?? new Date() };
}

/** Takes a reserved attempt back (it succeeded, or was refused before being tried); one row per statement, like `bump`. */
export async function releaseAttempt({ db, reservation }: { db: Db; reservation: Reservation }): Promise<void> {
  // Every subject is tried, whichever fails; the first failure is then thrown.
  const results = await Promise.allSettled(
    reservation.subjects.map(
      (subject) => db.$executeRaw`
        UPDATE rate_limit_buckets SET count = greatest(count - 1, 0)
        WHERE subject = ${subject} AND window_start = ${reservation.windowStart}`,
    ),
  );
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Counts one failure against each subject; returns the refusal when this one used a limit up. */
export async function recordFailure({
  db,
  limits,
  message,
}: {
  db: Db;
  limits: FailureLimit[];
  message: string;
}): Promise<AppError | null> {
  let windowStart: Date | null = null;
  let refused: AppError | null = null;
  for (const limit of limits) {
    const bumped = await bump(db, limit.subject, windowStart);
    windowStart = bumped.window_start;
    if (!refused && bumped.count > limit.max) refused = refusal(message, bumped.oldest);
  }
  return refused;
}
