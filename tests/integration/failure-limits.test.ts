import "../helpers/env";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { AppError } from "../../server/errors";
import { releaseAttempt, reserveAttempt, type FailureLimit } from "../../server/rate-limit/failures";

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
    const outcomes = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => reserveAttempt({ db: db(), limits: orders[i % orders.length]!, message })));
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
});
