import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Live feeds per user: a few here (LIVE_FEED_MAX_PER_USER), refused beyond in
// the one error shape, and a closed feed's place free at once, so a browser's
// reconnect after the server ends its feed is never refused.
process.env.LIVE_FEED_MAX_PER_USER = "3";
process.env.LIVE_FEED_MAX_DURATION_MS = "1500";
const { startRestServer } = await import("../helpers/rest");
const { createApiKey, createUser } = await import("../../server/auth/admin");
const { startFetchAdapters } = await import("../security/app");

let api: Awaited<ReturnType<typeof startRestServer>>;
beforeAll(async () => {
  api = await startRestServer();
});
afterAll(async () => {
  await api.close();
});

async function keysOfOneUser(count: number): Promise<string[]> {
  const owner = await createUser({
    email: `feeds-${process.pid}-${Date.now()}@example.test`,
    password: "plumb-tarnish-velvet-42",
    role: "viewer",
  });
  return Promise.all(
    Array.from({ length: count }, (_, i) => createApiKey({ name: `feed-${i}`, role: "viewer", ownerId: owner.id }).then((k) => k.key)),
  );
}

/** Opens a feed once the place a just-closed one held is back (the close has to cross the socket first). */
async function openWhenFreed(key: string, signal: AbortSignal, origin = api.origin): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await open(key, signal, origin);
    if (response.status !== 429 || attempt === 50) return response;
    await response.text();
    await new Promise((r) => setTimeout(r, 100));
  }
}

function open(key: string, signal?: AbortSignal, origin = api.origin): Promise<Response> {
  return fetch(`${origin}/api/trpc/finetuning.onChange?input=${encodeURIComponent("{}")}`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
    signal,
  });
}

describe("live feeds per user", () => {
  it("the user's feeds beyond the limit get 429 in the error shape, whichever of its keys asks; other users are served", async () => {
    const keys = await keysOfOneUser(2);
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const held = await Promise.all(controllers.map((c, i) => open(keys[i % 2] ?? "", c.signal)));
    expect(held.map((r) => r.status)).toEqual([200, 200, 200]);

    const refused = await open(keys[1] ?? "");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    const body = (await refused.json()) as { error: { message: string; data: { code: string; httpStatus: number } } };
    expect(body.error.data).toMatchObject({ code: "TOO_MANY_REQUESTS", httpStatus: 429 });
    expect(body.error.message).toContain("live feeds");

    const [other] = await keysOfOneUser(1);
    const otherFeed = new AbortController();
    expect((await open(other ?? "", otherFeed.signal)).status).toBe(200);
    otherFeed.abort();

    // Closing one frees its place.
    controllers[0]?.abort();
    const again = new AbortController();
    expect((await openWhenFreed(keys[0] ?? "", again.signal)).status).toBe(200);
    for (const c of [...controllers, again]) c.abort();
  });

  it("feeds the server ends (LIVE_FEED_MAX_DURATION_MS) and the client reopens at once are never refused", async () => {
    const [key] = await keysOfOneUser(1);
    const statuses: number[] = [];
    const tab = async () => {
      for (let round = 0; round < 3; round++) {
        const feed = await open(key ?? "");
        statuses.push(feed.status);
        await feed.text(); // read to the end: the server ends it after its maximum duration
      }
    };
    await Promise.all([tab(), tab(), tab()]);
    expect(statuses).toEqual(Array.from({ length: 9 }, () => 200));
  });

  it("the same on Next's route handler (next start)", async () => {
    const next = await startFetchAdapters();
    try {
      const [key] = await keysOfOneUser(1);
      const controllers = [new AbortController(), new AbortController(), new AbortController()];
      const held = await Promise.all(controllers.map((c) => open(key ?? "", c.signal, next.origin)));
      expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
      expect((await open(key ?? "", undefined, next.origin)).status).toBe(429);
      controllers[0]?.abort();
      const again = new AbortController();
      expect((await openWhenFreed(key ?? "", again.signal, next.origin)).status).toBe(200);
      for (const c of [...controllers, again]) c.abort();
    } finally {
      await next.close();
    }
  });
});
