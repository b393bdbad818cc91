import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createDb, type Db } from "../../server/db";
import { budgetedFetch, requestBudget, retryAfterMsOf, withCallPriority } from "../../server/provider/budget";

// The provider request budget: one token bucket a provider in Postgres, so
// every process together keeps to the provider's calls a second. The checks
// read the times (by the database's clock) at which requests were let
// through, never how long the test took: a slow machine lets fewer through,
// which still passes.

/** The most requests let through in any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

let workers: Db[] = [];

beforeAll(() => {
  // Two clients with pools of their own stand for two worker processes.
  workers = [createDb(inject("databaseUrl")), createDb(inject("databaseUrl"))];
});

afterAll(async () => {
  await Promise.all(workers.map((db) => db.$disconnect()));
});

const bucket = () => `test-${randomBytes(5).toString("hex")}`;

describe("a provider's request budget", () => {
  it("holds across two workers: never more than a second's worth in any second", async () => {
    const provider = bucket();
    const rate = 20;
    const budgets = workers.map((db) => requestBudget({ db, provider, ratePerSecond: rate }));
    const granted: number[] = [];
    // 60 requests from each worker, 8 at a time each, all wanting to go at once.
    await Promise.all(
      budgets.map(async (budget) => {
        for (let round = 0; round < 60 / 8; round++) {
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              granted.push((await budget.take()).getTime());
            }),
          );
        }
      }),
    );
    expect(granted.length).toBeGreaterThanOrEqual(112);
    // The burst and a second's refill together are the rate: no one second holds more.
    expect(busiestWindow(granted, 1_000)).toBeLessThanOrEqual(rate);
    // And over the whole run the average stays at the rate.
    const span = (Math.max(...granted) - Math.min(...granted)) / 1000;
    expect(granted.length).toBeLessThanOrEqual(rate * span + rate);
  });

  it("urgent calls go first when routine ones have used the budget up", async () => {
    const provider = bucket();
    const [db] = workers;
    const budget = requestBudget({ db: db!, provider, ratePerSecond: 10 });
    const order: string[] = [];
    // Twenty routine polls queue up; then one urgent call (a cancel being confirmed) arrives.
    const routine = Array.from({ length: 20 }, async (_, i) => {
      await budget.take("routine");
      order.push(`routine-${i}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const urgent = withCallPriority("urgent", async () => {
      await budget.take();
      order.push("urgent");
    });
    await Promise.all([...routine, urgent]);
    // The urgent one is let through before most of the routine polls that were already waiting.
    expect(order.indexOf("urgent")).toBeLessThan(10);
  });

  it("an action (a cancel someone waits for) goes ahead of another process's urgent reads", async () => {
    const provider = bucket();
    const [workerDb, appDb] = workers;
    // A worker and an app on one bucket (4 a second: a burst of 2, refilled at 2 a second).
    const [worker, app] = [workerDb!, appDb!].map((db) => requestBudget({ db, provider, ratePerSecond: 4, urgentReserve: 1 }));
    await worker!.take("urgent"); // the bucket exists
    // One token left: enough for an action, short of what an urgent read leaves to actions.
    await workerDb!
      .$executeRaw`UPDATE provider_request_budgets SET tokens = 1, refilled_at = clock_timestamp() WHERE provider = ${provider}`;
    const order: string[] = [];
    // The worker's urgent read asks first; the app's cancel a moment later.
    const read = worker!.take("urgent").then(() => order.push("urgent"));
    const action = app!.take("action").then(() => order.push("action"));
    await Promise.all([read, action]);
    expect(order).toEqual(["action", "urgent"]);
  });
});

describe("a provider's 429", () => {
  let server: Server;
  let url = "";
  const arrivals: Array<{ at: number; answered: number }> = [];
  let limitedUntil = 0;

  beforeAll(async () => {
    // A provider that rate-limits everybody for 1.5 s from its 5th request on.
    server = createServer((req, res) => {
      const at = Date.now();
      if (arrivals.length === 4) limitedUntil = at + 1_500;
      const limited = at < limitedUntil;
      arrivals.push({ at, answered: limited ? 429 : 200 });
      res.writeHead(limited ? 429 : 200, limited ? { "retry-after": "1.5" } : {}).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/fine_tuning/jobs`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("slows the whole fleet, not only the request that met it", async () => {
    const provider = bucket();
    // Two workers, each with its own budgeted fetch on the same bucket.
    const fetches = workers.map((db) => budgetedFetch(requestBudget({ db, provider, ratePerSecond: 50 })));
    const statuses: number[] = [];
    await Promise.all(
      fetches.map(async (fetchVia) => {
        for (let i = 0; i < 10; i++) statuses.push((await fetchVia(url)).status);
      }),
    );
    const first429 = arrivals.find((a) => a.answered === 429);
    expect(first429).toBeDefined();
    // After the first 429 was answered, only requests already on their way may
    // arrive inside its Retry-After; everything else waits it out.
    const inside = arrivals.filter((a) => a.at > first429!.at && a.at < first429!.at + 1_400);
    expect(inside.length).toBeLessThanOrEqual(2);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(4);
  });

  it("reads Retry-After as seconds, a date or milliseconds", () => {
    expect(retryAfterMsOf(new Headers({ "retry-after": "2" }))).toBe(2_000);
    expect(retryAfterMsOf(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMsOf(new Headers({ "retry-after": new Date(Date.now() + 60_000).toUTCString() }))).toBeGreaterThan(50_000);
    expect(retryAfterMsOf(new Headers())).toBe(1_000);
  });
});
