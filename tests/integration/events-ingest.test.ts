import { beforeAll, describe, expect, it } from "vitest";
import type { ProviderEvent } from "../../server/provider/types";
import { useIsolatedDatabase } from "../helpers/isolated-db";

// A provider that lists every event at every read (Together has no cursor) must
// not leave gaps in job_events' ids: the live feed waits at each gap for a
// transaction that might still fill it, so gaps made on every poll put every
// watcher seconds behind.
// A database of its own: the sequence is read, and other files insert events.
beforeAll(async () => {
  await useIsolatedDatabase();
});

describe("ingesting a provider's events again", () => {
  it("stores each message once and uses no job_events id for those already stored", async () => {
    const { db } = await import("../../server/db");
    const { ingestProviderEvents } = await import("../../server/worker/events");
    const { makeJob } = await import("../helpers/factories");
    const job = await makeJob(db(), { status: "running" });
    const at = new Date("2026-12-07T00:00:00Z");
    const message = (i: number): ProviderEvent => ({
      id: `ft-x#e${i}`,
      createdAt: at,
      level: "info",
      message: `event ${i}`,
      metrics: null,
    });
    const nextId = async () => (await db().$queryRaw<Array<{ id: bigint }>>`SELECT nextval('job_events_id_seq') AS id`)[0]!.id;

    await ingestProviderEvents({ db: db(), jobId: job.id, events: [message(0), message(1)] });
    const before = await nextId();
    await ingestProviderEvents({ db: db(), jobId: job.id, events: [message(0), message(1)] });
    await ingestProviderEvents({ db: db(), jobId: job.id, events: [message(0), message(1), message(2)] });
    const after = await nextId();
    // Between the two reads of the sequence: one id for the one new message, none for the six read again.
    expect(after - before).toBe(2n);
    const stored = await db().jobEvent.findMany({ where: { jobId: job.id, kind: "provider_event" }, select: { reason: true } });
    expect(stored.map((e) => e.reason).sort()).toEqual(["event 0", "event 1", "event 2"]);
  });
});
