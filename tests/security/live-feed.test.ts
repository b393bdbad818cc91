import "../helpers/env";
import { request, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";

// The live feed reads the event log for whoever subscribes: a viewer asking
// for the whole log on every connection, or leaving the feed unread while
// changes pile up, must cost a bounded amount. A database of this file's own:
// it writes tens of thousands of events.
process.env.LIVE_FEED_MAX_DURATION_MS = "300000"; // the longest: an undropped feed outlives the test

type App = { origin: string; close(): Promise<void> };
let app: App;
let viewerKey = "";
beforeAll(async () => {
  await useIsolatedDatabase();
  const { startSecureApp, keyFor } = await import("./app");
  // The registry counts subscribers from when it is made: before the first feed.
  (await import("../../server/telemetry/registry")).metrics();
  app = await startSecureApp();
  viewerKey = (await keyFor("viewer")).key;
});
afterAll(async () => {
  await app.close();
});

/** Appends `count` events to one job's log in one statement, and wakes the feeds. */
async function appendEvents(count: number): Promise<void> {
  const { db } = await import("../../server/db");
  const { makeJob } = await import("../helpers/factories");
  const job = await makeJob(db(), { status: "running" });
  await db().$executeRaw`
    INSERT INTO job_events (job_id, kind, actor, reason)
    SELECT ${job.id}::uuid, 'metadata_update', 'test', 'bulk' FROM generate_series(1, ${count})`;
  await db().$executeRaw`SELECT pg_notify('finetuning_job_changed', '')`;
}

/** Opens the feed over HTTP; the response is left paused (nothing read) until the caller reads it. */
function openFeed(lastEventId: string | null): Promise<IncomingMessage> {
  const input = encodeURIComponent(JSON.stringify(lastEventId === null ? {} : { lastEventId }));
  const url = new URL(`${app.origin}/api/trpc/finetuning.onChange?input=${input}`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { authorization: `Bearer ${viewerKey}` } },
      (res) => {
        res.pause();
        resolve(res);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The first `data:` event of an SSE stream (tRPC's connected event aside), and the stream's `id:`. */
async function firstChange(res: IncomingMessage): Promise<{ id: string; data: Record<string, unknown> }> {
  let text = "";
  res.setEncoding("utf8");
  for await (const chunk of res) {
    text += chunk as string;
    for (const block of text.split("\n\n")) {
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) {
        res.destroy();
        return { id, data: JSON.parse(data) as Record<string, unknown> };
      }
    }
  }
  throw new Error("the feed ended without a change");
}

describe("review 3: a feed asked to start far behind starts at the head and says to refetch", () => {
  it('lastEventId "0" over more than 10,000 events: the first change is the newest, marked refetch', async () => {
    const { MAX_REPLAY_EVENTS } = await import("../../server/finetuning/changes");
    await appendEvents(MAX_REPLAY_EVENTS + 500);
    const { db } = await import("../../server/db");
    const { latestEventId } = await import("../../server/finetuning/change-log");
    const head = await latestEventId(db());
    const first = await firstChange(await openFeed("0"));
    expect(first.id).toBe(String(head));
    expect(first.data).toMatchObject({ refetch: true });
  });

  it("a feed a little behind still gets every change since, oldest first", async () => {
    const { db } = await import("../../server/db");
    const { latestEventId } = await import("../../server/finetuning/change-log");
    const before = await latestEventId(db());
    await appendEvents(3);
    const first = await firstChange(await openFeed(String(before)));
    expect(first.id).toBe(String(before + 1n));
    expect(first.data.refetch).toBeUndefined();
  });
});

describe("review 3: a client that stops reading is dropped, its buffer bounded", () => {
  it("a feed left unread while 60,000 changes arrive is ended by the server, having sent far fewer", async () => {
    const { metrics } = await import("../../server/telemetry/registry");
    const subscribers = async () => (await metrics().liveFeedSubscribers.get()).values[0]?.value ?? 0;
    const res = await openFeed(null);
    while ((await subscribers()) < 1) await new Promise((r) => setTimeout(r, 50));
    await appendEvents(60_000);
    // Without the bound the subscription would live on (its changes piling up in memory) for LIVE_FEED_MAX_DURATION_MS.
    while ((await subscribers()) > 0) await new Promise((r) => setTimeout(r, 100));
    // What was already on its way is still readable; then the stream ends.
    let events = 0;
    res.setEncoding("utf8");
    res.resume();
    await new Promise<void>((resolve) => {
      res.on("data", (chunk: string) => (events += chunk.split("\nid: ").length - 1));
      res.once("close", resolve);
      res.once("error", () => resolve());
    });
    expect(events).toBeLessThan(60_000);
  }, 250_000);
});
