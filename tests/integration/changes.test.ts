import "../helpers/env";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { currentFeedPosition } from "../../server/finetuning/changes";
import { transitionJob } from "../../server/finetuning/transitions";
import { createCaller } from "../../server/trpc/root";
import { headersFor } from "../helpers/callers";
import { makeConnection, makeJob } from "../helpers/factories";
import { unreachableProvider } from "../helpers/provider";

type Tracked = { id: string; data: { id: string; status: string; db_connection_id: string; deleted: boolean } };

async function subscribe(input: { db_connection_id?: string; lastEventId?: string | null }) {
  const controller = new AbortController();
  const caller = createCaller(
    { db: db(), provider: unreachableProvider(), headers: await headersFor("viewer") },
    { signal: controller.signal },
  );
  const stream = await caller.finetuning.onChange(input);
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  return {
    next: async () => {
      const { value, done } = await iterator.next();
      if (done) throw new Error("the feed ended");
      // The procedure yields tRPC's tracked envelope: [id, data, symbol].
      const [id, data] = value as [string, Tracked["data"]];
      return { id, data } satisfies Tracked;
    },
    close: () => controller.abort(),
  };
}

describe("finetuning.onChange", () => {
  it("pushes a status change made elsewhere, filtered by connection, tracked by its event id", async () => {
    const job = await makeJob(db(), { status: "queued" });
    const other = await makeJob(db(), { status: "queued" });
    // From a known position, as the pages do: a feed with none starts wherever
    // the log is when its generator first runs, which a busy machine delays.
    const feed = await subscribe({ db_connection_id: job.dbConnectionId, lastEventId: await currentFeedPosition() });
    const next = feed.next();
    await transitionJob({ db: db(), id: other.id, from: ["queued"], to: "running", actor: "worker" });
    await transitionJob({ db: db(), id: job.id, from: ["queued"], to: "validating_files", actor: "worker" });
    const { id, data } = await next;
    expect(data).toMatchObject({ id: job.id, status: "validating_files", deleted: false });
    const event = await db().jobEvent.findFirstOrThrow({ where: { jobId: job.id, toStatus: "validating_files" } });
    expect(id).toBe(String(event.id));
    feed.close();
  });

  it("a change made after the page read its position but before it subscribed still arrives", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const job = await makeJob(db(), { status: "running", dbConnectionId: connection.id });
    const since = await currentFeedPosition(); // what the page's server render does before reading the job
    await transitionJob({ db: db(), id: job.id, from: ["running"], to: "cancelled", actor: "operator" });
    const feed = await subscribe({ db_connection_id: connection.id, lastEventId: since });
    expect((await feed.next()).data).toMatchObject({ id: job.id, status: "cancelled" });
    feed.close();
  });

  it("a resubscription with lastEventId gets every change since, in order, and nothing it already had", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const first = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const second = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const feed = await subscribe({ db_connection_id: connection.id });
    const seen = feed.next();
    await transitionJob({ db: db(), id: first.id, from: ["queued"], to: "validating_files", actor: "worker" });
    const last = await seen;
    feed.close(); // the connection drops

    await transitionJob({ db: db(), id: first.id, from: ["validating_files"], to: "running", actor: "worker" });
    await transitionJob({ db: db(), id: second.id, from: ["queued"], to: "cancelled", actor: "operator" });
    await transitionJob({ db: db(), id: first.id, from: ["running"], to: "succeeded", actor: "worker" });

    const again = await subscribe({ db_connection_id: connection.id, lastEventId: last.id });
    const replayed = [await again.next(), await again.next(), await again.next()];
    expect(replayed.map((c) => [c.data.id, c.data.status])).toEqual([
      [first.id, "running"],
      [second.id, "cancelled"],
      [first.id, "succeeded"],
    ]);
    const ids = replayed.map((c) => BigInt(c.id));
    expect(ids.every((id, i) => id > (i === 0 ? BigInt(last.id) : (ids[i - 1] ?? 0n)))).toBe(true);

    // And it carries on live after the replay.
    const live = again.next();
    await db().finetuningJob.update({ where: { id: second.id }, data: { deletedAt: new Date() } });
    await db().jobEvent.create({ data: { jobId: second.id, kind: "deleted", actor: "operator" } });
    expect((await live).data).toMatchObject({ id: second.id, deleted: true });
    again.close();
  });

  it("an event that commits after a later one is still delivered, and first", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const slow = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const fast = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const feed = await subscribe({ db_connection_id: connection.id });
    const first = feed.next();

    // A transaction takes its event id, then a later id commits before it does.
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE finetuning_jobs SET status = 'validating_files' WHERE id = $1", [slow.id]);
      await client.query(
        "INSERT INTO job_events (job_id, kind, from_status, to_status, actor) VALUES ($1, 'status_change', 'queued', 'validating_files', 'worker')",
        [slow.id],
      );
      await transitionJob({ db: db(), id: fast.id, from: ["queued"], to: "cancelled", actor: "operator" });
      await client.query("COMMIT");
    } finally {
      await client.end();
    }

    const delivered = [await first, await feed.next()];
    expect(delivered.map((c) => [c.data.id, c.data.status])).toEqual([
      [slow.id, "validating_files"],
      [fast.id, "cancelled"],
    ]);
    feed.close();
  });

  it("many holes in the ids are waited for together, not one after another", async () => {
    // 40 ids taken and never used (rolled-back inserts, skipped duplicates), each before a change:
    // waited for one after another (2 s each) the last change would come after the test's time limit.
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const jobs = await Promise.all(Array.from({ length: 40 }, () => makeJob(db(), { status: "queued", dbConnectionId: connection.id })));
    const feed = await subscribe({ db_connection_id: connection.id, lastEventId: await currentFeedPosition() });
    for (const job of jobs) {
      await db().$queryRaw`SELECT nextval('job_events_id_seq')`;
      await transitionJob({ db: db(), id: job.id, from: ["queued"], to: "cancelled", actor: "operator" });
    }
    const seen = new Set<string>();
    while (seen.size < jobs.length) seen.add((await feed.next()).data.id);
    expect([...seen].sort()).toEqual(jobs.map((j) => j.id).sort());
    feed.close();
  });

  it("an event whose transaction commits long after later ones is delivered late rather than never", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const slow = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const fast = await makeJob(db(), { status: "queued", dbConnectionId: connection.id });
    const feed = await subscribe({ db_connection_id: connection.id });

    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE finetuning_jobs SET status = 'validating_files' WHERE id = $1", [slow.id]);
      await client.query(
        "INSERT INTO job_events (job_id, kind, from_status, to_status, actor) VALUES ($1, 'status_change', 'queued', 'validating_files', 'worker')",
        [slow.id],
      );
      await transitionJob({ db: db(), id: fast.id, from: ["queued"], to: "cancelled", actor: "operator" });
      // The feed waits a while for the missing id, then moves past it.
      expect((await feed.next()).data).toMatchObject({ id: fast.id, status: "cancelled" });
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    expect((await feed.next()).data).toMatchObject({ id: slow.id, status: "validating_files" });
    feed.close();
  });
});
