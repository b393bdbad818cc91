import "../helpers/env";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { AppError } from "../../server/errors";
import { releaseAttempt, reserveAttempt, type FailureLimit } from "../../server/rate-limit/failures";
import { BUCKET_RETENTION_SECONDS, purgeOldBuckets } from "../../server/rate-limit/purge";

const message = "Too many.";

describe("reserving attempts against several limits at once", () => {
  it("many concurrent reservations over shared subjects, listed in different orders, never deadlock and never pass a limit", async () => {
    const tag = randomUUID();
    const a: FailureLimit = { subject: `race-a:${tag}`, max: 7 };
    const b: FailureLimit = { subject: `race-b:${tag}`, max: 1000 };
    const c: FailureLimit = { subject: `race-c:${tag}`, max: 1000 };
    const orders = [
      [a, b, c],
      [c, b, a],
      [b, a, c],
      [c, a, b],
    ];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 80 }, (_, i) => reserveAttempt({ db: db(), limits: orders[i % orders.length]!, message })),
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect((r.reason as AppError).code).toBe("TOO_MANY_REQUESTS");
    }
    const kept = outcomes.filter((o) => o.status === "fulfilled");
    expect(kept).toHaveLength(a.max);
    // The refused ones took their counts back: only the kept reservations remain.
    const sums = await db().$queryRaw<Array<{ subject: string; count: number }>>`
      SELECT subject, sum(count)::int AS count FROM rate_limit_buckets WHERE subject = ANY(${[a.subject, b.subject, c.subject]}) GROUP BY subject ORDER BY subject`;
    expect(sums.map((s) => s.count)).toEqual([a.max, a.max, a.max]);

    await Promise.all(kept.map((k) => releaseAttempt({ db: db(), reservation: k.value })));
    const after = await db().$queryRaw<Array<{ count: number }>>`
      SELECT coalesce(sum(count), 0)::int AS count FROM rate_limit_buckets WHERE subject = ANY(${[a.subject, b.subject, c.subject]})`;
    expect(after[0]!.count).toBe(0);
  });

  it("old buckets are purged; the ones a limit still sums are kept", async () => {
    const tag = randomUUID();
    await db().$executeRaw`
      INSERT INTO rate_limit_buckets (subject, window_start, count) VALUES
        (${`old:${tag}`}, now() - make_interval(secs => ${BUCKET_RETENTION_SECONDS + 60}), 3),
        (${`recent:${tag}`}, now() - interval '50 seconds', 2)`;
    expect(await purgeOldBuckets(db())).toBeGreaterThanOrEqual(1);
    const left = await db().$queryRaw<Array<{ subject: string }>>`SELECT subject FROM rate_limit_buckets WHERE subject LIKE ${`%:${tag}`}`;
    expect(left.map((r) => r.subject)).toEqual([`recent:${tag}`]);
  });
});
