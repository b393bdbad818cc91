import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../server/auth/admin";
import { db } from "../../server/db";
import { transitionJob } from "../../server/finetuning/transitions";
import { makeConnection, makeJob } from "../helpers/factories";
import { startApiServer } from "../helpers/http";

// A live-feed connection lasts at most LIVE_FEED_MAX_DURATION_MS; the client
// then reconnects (with Last-Event-ID), which authenticates it again. Short
// here so the test sees several connections, yet longer than the feed may
// hold a change back behind another transaction's uncommitted event id (2 s).
// Read per request, so setting it before the first request is enough.
process.env.LIVE_FEED_MAX_DURATION_MS = "5000";

let api: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => {
  await api.close();
});

type SseEvent = { event?: string; data?: string; id?: string };

/** One SSE connection to finetuning.onChange, read event by event, the way a browser's EventSource reads it. */
async function openFeed(key: string, input: object, lastEventId?: string) {
  const res = await fetch(`${api.origin}/api/trpc/finetuning.onChange?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
  });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    status: res.status,
    /** The next event, or null when the server ended the connection. */
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split("\n")) {
            const [field, ...rest] = line.split(": ");
            if (field === "event" || field === "data" || field === "id") event[field] = rest.join(": ");
          }
          if (event.event === "ping" || Object.keys(event).length === 0) continue;
          return event;
        }
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return null;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close: () => reader?.cancel(),
  };
}

async function untilEnd(feed: Awaited<ReturnType<typeof openFeed>>): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for (let event = await feed.next(); event; event = await feed.next()) seen.push(event);
  return seen;
}

describe("live feed re-authentication", () => {
  it("a connection ends on its own and resumes from Last-Event-ID; once the key is revoked, the reconnect is refused", async () => {
    const { id: keyId, key } = await createApiKey({ name: "feed-reauth", role: "viewer" });
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const job = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const input = { db_connection_id: connection.id };

    const first = await openFeed(key, input);
    expect(first.status).toBe(200);
    expect((await first.next())?.event).toBe("connected");
    await transitionJob({ db: db(), id: job.id, from: ["queued"], to: "validating_files", actor: "worker" });
    const change = await first.next();
    expect(JSON.parse(change?.data ?? "{}")).toMatchObject({ id: job.id, status: "validating_files" });
    expect(change?.id).toMatch(/^\d+$/);
    // The server ends the connection without the "return" event, so EventSource reconnects.
    expect((await untilEnd(first)).map((e) => e.event)).not.toContain("return");

    // Reconnecting with the key still valid: a change made while disconnected arrives first.
    await transitionJob({ db: db(), id: job.id, from: ["validating_files"], to: "running", actor: "worker" });
    const second = await openFeed(key, input, change?.id);
    expect((await second.next())?.event).toBe("connected");
    expect(JSON.parse((await second.next())?.data ?? "{}")).toMatchObject({ id: job.id, status: "running" });

    // Revoked: the open connection runs out, and the next one is refused.
    expect(await revokeApiKey(keyId)).toBe(true);
    await untilEnd(second);
    const third = await openFeed(key, input, change?.id);
    if (third.status === 200) {
      const events = await untilEnd(third);
      const error = events.find((e) => e.event === "serialized-error");
      expect(JSON.parse(error?.data ?? "{}")).toMatchObject({ data: { code: "UNAUTHORIZED" } });
      expect(events.filter((e) => e.event === undefined && e.data)).toEqual([]); // no changes delivered
    } else {
      expect(third.status).toBe(401);
    }
  });
});
