// The sandbox with its state in Postgres: a restart carries a job on from where
// it was, time with no front up does not count, and two fronts on one database
// share every job and never move one twice.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox, type SandboxTimings } from "@/server/provider/sandbox";
import { waitFor } from "@/server/provider/sandbox/fixtures";
import type { FinetuningProvider, ProviderEvent } from "@/server/provider/types";
import { dropSandboxSchema, durableSandboxOptions, providerFor, uploadProcessedFile } from "../helpers/provider";

const open: Sandbox[] = [];
const schemas: string[] = [];

afterEach(async () => {
  for (const sandbox of open.splice(0)) await sandbox.close();
  for (const schema of schemas.splice(0)) await dropSandboxSchema(schema);
});

async function front(schema: string, timings?: Partial<SandboxTimings>): Promise<{ sandbox: Sandbox; provider: FinetuningProvider }> {
  const sandbox = await startSandbox({ ...durableSandboxOptions(schema), ...(timings ? { timings } : {}) });
  open.push(sandbox);
  return { sandbox, provider: providerFor(sandbox) };
}

function newSchema(): string {
  const { schema } = durableSandboxOptions();
  schemas.push(schema);
  return schema;
}

async function createJob(provider: FinetuningProvider, examples = 10) {
  const fileId = await uploadProcessedFile(provider, examples);
  return provider.createJob({ jobId: crypto.randomUUID(), fileId, model: "gpt-4o-mini", parameters: { n_epochs: 2 }, suffix: null });
}

const steps = (events: ProviderEvent[]) => events.flatMap((e) => (e.metrics ? [e.metrics.step] : []));

describe("a durable sandbox", () => {
  it("start, stop, start: a running job runs on from its step, and every step is reported once", async () => {
    const schema = newSchema();
    const first = await front(schema, { fileProcessingMs: 0, validatingMs: 50, queuedMs: 50, runningMs: 6_000 });
    const job = await createJob(first.provider);
    await waitFor(
      () => first.provider.listEvents(job.id),
      (events) => steps(events).length >= 3,
      { timeoutMs: 10_000 },
    );
    await first.sandbox.close();

    // A new front, started without timings: it keeps the stored ones and the job.
    const second = await front(schema);
    expect(await second.sandbox.timings()).toMatchObject({ runningMs: 6_000 });
    const again = await second.provider.retrieveJob(job.id);
    expect(again.status).toBe("running");
    const done = await waitFor(
      () => second.provider.retrieveJob(job.id),
      (j) => j.status === "succeeded",
      { timeoutMs: 15_000 },
    );
    expect(done.trainedTokens).toBeGreaterThan(0);
    const all = await second.provider.listEvents(job.id, { afterEventId: null });
    expect(steps(all)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await second.provider.listCheckpoints(job.id)).map((c) => c.step)).toEqual([10, 20]);
  });

  it("time with no front up does not count: after an hour down, a job resumes where it was", async () => {
    const schema = newSchema();
    const first = await front(schema, { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, runningMs: 60_000 });
    const job = await createJob(first.provider);
    await waitFor(
      () => first.provider.retrieveJob(job.id),
      (j) => j.status === "running",
    );
    await first.sandbox.close();
    // As if all of that had happened an hour ago and no front had been up since.
    const client = new pg.Client({ connectionString: durableSandboxOptions(schema).databaseUrl });
    await client.connect();
    try {
      const hour = 3_600_000;
      await client.query(`UPDATE ${schema}.config SET seen_ms = seen_ms - $1`, [hour]);
      await client.query(
        `UPDATE ${schema}.jobs SET data = jsonb_set(data, '{stageStartedMs}', to_jsonb((data->>'stageStartedMs')::bigint - $1))`,
        [hour],
      );
      await client.query(`UPDATE ${schema}.files SET data = jsonb_set(data, '{createdMs}', to_jsonb((data->>'createdMs')::bigint - $1))`, [
        hour,
      ]);
    } finally {
      await client.end();
    }
    const second = await front(schema);
    const resumed = await second.provider.retrieveJob(job.id);
    // On a wall clock it would have finished 59 minutes ago.
    expect(resumed.status).toBe("running");
    expect(resumed.estimatedFinish!.getTime()).toBeGreaterThan(Date.now() + 30_000);
  });

  it("two fronts on one database see the same jobs, and however many look at once each step happens once", async () => {
    const schema = newSchema();
    const a = await front(schema, { fileProcessingMs: 0, validatingMs: 30, queuedMs: 30, runningMs: 1_500 });
    const b = await front(schema);
    const job = await createJob(a.provider, 15);
    expect((await b.provider.retrieveJob(job.id)).id).toBe(job.id);
    expect((await b.provider.findJobFor((await a.sandbox.jobs())[0]!.metadata!["controlroom_job_id"]!))?.id).toBe(job.id);

    // Both fronts read the job as fast as they can while it trains: every read may move it.
    let done = false;
    const hammer = async (provider: FinetuningProvider) => {
      while (!done) {
        const [there] = await Promise.all([provider.retrieveJob(job.id), provider.listEvents(job.id), provider.listCheckpoints(job.id)]);
        if (there.status === "succeeded") done = true;
      }
    };
    await Promise.all([hammer(a.provider), hammer(b.provider), hammer(a.provider), hammer(b.provider)]);

    const events = await b.provider.listEvents(job.id, { afterEventId: null });
    expect(steps(events)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(events.filter((e) => e.message === "Fine-tuning job started")).toHaveLength(1);
    expect(events.filter((e) => e.message === "The job has successfully completed")).toHaveLength(1);
    expect((await a.provider.listCheckpoints(job.id)).map((c) => c.step)).toEqual([15, 30]);

    // A cancel through one front is what the other sees.
    const other = await createJob(b.provider);
    await b.provider.cancelJob(other.id);
    expect((await a.provider.retrieveJob(other.id)).status).toBe("cancelled");
    expect((await a.sandbox.jobs()).map((j) => j.id)).toEqual((await b.sandbox.jobs()).map((j) => j.id));
  });

  it("concurrent cancels through two fronts: the job is cancelled once, with one event", async () => {
    const schema = newSchema();
    const a = await front(schema, { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, runningMs: Infinity });
    const b = await front(schema);
    const job = await createJob(a.provider);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).provider.cancelJob(job.id)));
    // The provider answers an already-cancelled job with its terminal state, so all settle to cancelled.
    expect(results.every((r) => r.status === "fulfilled" && r.value.status === "cancelled")).toBe(true);
    const events = await a.provider.listEvents(job.id, { afterEventId: null });
    expect(events.filter((e) => e.message === "Fine-tuning job cancelled")).toHaveLength(1);
  });
});
