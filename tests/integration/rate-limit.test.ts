import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Each test file runs in its own process, and env() is read once: set the
// limit before any server code runs, then load it.
const LIMIT = 5;
process.env.RATE_LIMIT_PER_MINUTE = String(LIMIT);
const { db } = await import("../../server/db");
const { makeJob } = await import("../helpers/factories");
const { apiKey, rest, startRestServer } = await import("../helpers/rest");

// The limit counts in one-minute windows: start a burst well inside one.
async function awayFromWindowEdge(): Promise<void> {
  const second = new Date().getSeconds();
  if (second >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
}

let api: Awaited<ReturnType<typeof startRestServer>>;
beforeAll(async () => {
  api = await startRestServer();
});
afterAll(async () => {
  await api.close();
});

describe("rate limits on REST", () => {
  it("answers 429 with Retry-After once a key passes its limit; other keys are unaffected", async () => {
    const limited = await apiKey("operator", "rate-limited");
    const job = await makeJob(db(), { status: "running" });
    await awayFromWindowEdge();
    // 2 × LIMIT + 1 calls: at least LIMIT + 1 of them share a one-minute window.
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof rest>> | undefined;
    for (let i = 0; i < 2 * LIMIT + 1 && !refusal; i++) {
      const call = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key: limited });
      statuses.push(call.status);
      if (call.status === 429) refusal = call;
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect(refusal?.status).toBe(429);
    expect(refusal?.body.error).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringContaining(String(LIMIT)) });
    const retryAfter = Number(refusal?.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);

    // A refused mutation changes nothing.
    const cancel = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: limited, json: {} });
    expect(cancel.status).toBe(429);
    expect(cancel.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");

    const other = await apiKey("operator", "rate-other");
    const fine = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key: other });
    expect(fine.status).toBe(200);
    const cancelled = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: other, json: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
  });

  it("does not use up a key's Idempotency-Key on a 429", async () => {
    const limited = await apiKey("operator", "rate-limited-idem");
    const job = await makeJob(db(), { status: "running" });
    await awayFromWindowEdge();
    for (let i = 0; i < 2 * LIMIT + 1; i++) {
      const call = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key: limited });
      if (call.status === 429) break;
    }
    const key = `retry-${job.id}`;
    const refused = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
      key: limited,
      json: {},
      headers: { "idempotency-key": key },
    });
    expect(refused.status).toBe(429);
    expect(await db().idempotencyKey.count({ where: { key } })).toBe(0);
  });
});

describe("rate limits across app instances", () => {
  it("counts every instance's requests: counts another instance saved in Postgres refuse this one's next request", async () => {
    const { createApiKey } = await import("../../server/auth/admin");
    const { id, key } = await createApiKey({ name: "rate-shared", role: "viewer" });
    const job = await makeJob(db(), { status: "running" });
    await awayFromWindowEdge();
    // Another instance has used up this key's minute already.
    await db().$executeRaw`
      INSERT INTO rate_limit_buckets (subject, window_start, count)
      VALUES (${`key:${id}`}, to_timestamp(floor(extract(epoch from now()) / 60) * 60), ${LIMIT})`;
    const first = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key });
    expect(first.status).toBe(200); // this instance has not heard yet…
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // …until its counts are saved and read back
    const next = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key });
    expect(next.status).toBe(429);
    const [bucket] = await db().$queryRaw<{ count: number }[]>`SELECT count FROM rate_limit_buckets WHERE subject = ${`key:${id}`}`;
    expect(bucket?.count).toBeGreaterThanOrEqual(LIMIT + 1);
  });
});

describe("one budget per user", () => {
  it("requests of all of a user's keys count together: a second key adds no quota", async () => {
    const { createApiKey, createUser } = await import("../../server/auth/admin");
    const owner = await createUser({ email: `budget-${Date.now()}@example.test`, password: "lantern-copper-orbit-29", role: "operator" });
    const first = await createApiKey({ name: "budget-1", role: "viewer", ownerId: owner.id });
    const second = await createApiKey({ name: "budget-2", role: "viewer", ownerId: owner.id });
    const job = await makeJob(db(), { status: "running" });
    await awayFromWindowEdge();
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT + 2; i++) {
      const call = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key: i % 2 === 0 ? first.key : second.key });
      statuses.push(call.status);
      if (call.status === 429) break;
    }
    // LIMIT requests between the two keys, then refusals: not 2 × LIMIT.
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429]);
  });
});
