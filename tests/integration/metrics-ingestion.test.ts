import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, db } from "../../server/db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider, ProviderEvent } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";
import { ingestProviderEvents, mirrorProviderEvents } from "../../server/worker/events";
import { stopQueue } from "../../server/worker/queue";
import { callerAs } from "../helpers/callers";
import { makeConnection, makeJob } from "../helpers/factories";
import { sandboxProvider, uploadProcessedFile } from "../helpers/provider";
import { apiKey, rest, startRestServer, type RestServer } from "../helpers/rest";
import { driveJob, waitFor } from "../helpers/worker";

// Training metrics: per-step points from the provider's events,
// checkpoints, and their API. (tests/integration/metrics.test.ts is the
// Prometheus registry's.)

let sandbox: Sandbox;
let provider: FinetuningProvider;
let api: RestServer;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 50, validatingMs: 50, queuedMs: 50, runningMs: 600 }));
  api = await startRestServer();
});
afterAll(async () => {
  await api.close();
  await sandbox.close();
  await stopQueue();
});

const row = (id: string) => db().finetuningJob.findUniqueOrThrow({ where: { id } });
const metricCount = (jobId: string) => db().jobMetric.count({ where: { jobId } });

function metricsEvent(id: string, step: number, trainLoss: number | null, totalSteps = 100): ProviderEvent {
  return {
    id,
    createdAt: new Date(1_700_000_000_000 + step * 1000),
    level: "info",
    message: `Step ${step}/${totalSteps}`,
    metrics: {
      step,
      totalSteps,
      trainLoss,
      trainMeanTokenAccuracy: 0.5,
      validLoss: null,
      validMeanTokenAccuracy: null,
      fullValidLoss: null,
      fullValidMeanTokenAccuracy: null,
    },
  };
}

describe("training metrics ingestion", () => {
  it("is idempotent: the same provider events twice are one point per step, and the progress is the newest step", async () => {
    const job = await makeJob(db(), { status: "running" });
    const message: ProviderEvent = { id: "m1", createdAt: new Date(), level: "info", message: "Checkpoint created", metrics: null };
    const events = [metricsEvent("e1", 1, 2.5), metricsEvent("e2", 2, 2.25), message, metricsEvent("e3", 3, 2.0)];
    await ingestProviderEvents({ db: db(), jobId: job.id, events });
    await ingestProviderEvents({ db: db(), jobId: job.id, events });
    expect(await metricCount(job.id)).toBe(3);
    expect(await db().jobEvent.count({ where: { jobId: job.id } })).toBe(1); // the message, once; metrics stay out of the timeline
    expect(await row(job.id)).toMatchObject({ step: 3, totalSteps: 100, trainLoss: 2.0, lastProviderEventId: "e3" });

    // An older batch read late (a retried poll) does not rewind the progress.
    await ingestProviderEvents({ db: db(), jobId: job.id, events: [metricsEvent("e2", 2, 2.25)] });
    expect(await row(job.id)).toMatchObject({ step: 3, trainLoss: 2.0 });
    const caller = await callerAs("viewer", provider);
    const wire = await caller.finetuning.get({ finetuning_id: job.id });
    expect(wire.progress).toEqual({ step: 3, total_steps: 100, percent: 3, train_loss: 2, valid_loss: null });
  });

  it("keeps a NaN loss as NaN in the database, null on the wire, and counts it", async () => {
    const job = await makeJob(db(), { status: "running" });
    await ingestProviderEvents({ db: db(), jobId: job.id, events: [metricsEvent("n1", 1, 1.5), metricsEvent("n2", 2, Number.NaN)] });
    expect(Number.isNaN((await row(job.id)).trainLoss)).toBe(true);
    const caller = await callerAs("viewer", provider);
    expect((await caller.finetuning.get({ finetuning_id: job.id })).progress).toMatchObject({ step: 2, train_loss: null });
    const metrics = await caller.finetuning.metrics({ finetuning_id: job.id });
    expect(metrics).toMatchObject({ raw_count: 2, non_finite_count: 1 });
    expect(metrics.series.train_loss).toEqual([{ step: 1, value: 1.5 }]);
  });

  it("downsamples 10,000 steps to at most max_points per series with LTTB, keeping both ends, with the raw count", async () => {
    const job = await makeJob(db(), { status: "running" });
    await db().jobMetric.createMany({
      data: Array.from({ length: 10_000 }, (_, i) => ({
        jobId: job.id,
        step: i + 1,
        totalSteps: 10_000,
        trainLoss: 3 * Math.exp(-i / 2000) + (i % 7) * 0.01,
        at: new Date(),
      })),
    });
    const caller = await callerAs("viewer", provider);
    const metrics = await caller.finetuning.metrics({ finetuning_id: job.id });
    expect(metrics.raw_count).toBe(10_000);
    expect(metrics.series.train_loss).toHaveLength(500);
    expect(metrics.series.train_loss[0]?.step).toBe(1);
    expect(metrics.series.train_loss.at(-1)?.step).toBe(10_000);
    expect(metrics.series.valid_loss).toEqual([]);
    expect((await caller.finetuning.metrics({ finetuning_id: job.id, max_points: 50 })).series.train_loss).toHaveLength(50);
  });

  it("counts the points in the job row whoever inserts them, and serves cached curves only while that count holds, on every instance", async () => {
    const job = await makeJob(db(), { status: "running" });
    const other = createDb(); // a second app instance's client
    try {
      const caller = await callerAs("viewer", provider);
      await ingestProviderEvents({ db: db(), jobId: job.id, events: [metricsEvent("c1", 1, 2.5), metricsEvent("c2", 2, 2.25)] });
      await ingestProviderEvents({ db: db(), jobId: job.id, events: [metricsEvent("c2", 2, 2.25)] }); // a duplicate adds nothing
      expect((await row(job.id)).metricsCount).toBe(2);
      expect((await caller.finetuning.metrics({ finetuning_id: job.id })).series.train_loss).toHaveLength(2);
      expect((await caller.finetuning.metrics({ finetuning_id: job.id })).raw_count).toBe(2); // from the cache

      // Another instance ingests a point; this one's next read has it.
      await ingestProviderEvents({ db: other, jobId: job.id, events: [metricsEvent("c3", 3, 2.0)] });
      const after = await caller.finetuning.metrics({ finetuning_id: job.id });
      expect(after.raw_count).toBe(3);
      expect(after.series.train_loss.map((p) => p.step)).toEqual([1, 2, 3]);

      // Straight SQL counts too (the trigger), inserts and deletes alike.
      await other.$executeRaw`INSERT INTO job_metrics (job_id, step, train_loss, at) VALUES (${job.id}::uuid, 4, 1.5, now())`;
      expect((await caller.finetuning.metrics({ finetuning_id: job.id })).series.train_loss.at(-1)).toEqual({ step: 4, value: 1.5 });
      await other.$executeRaw`DELETE FROM job_metrics WHERE job_id = ${job.id}::uuid AND step = 4`;
      expect((await row(job.id)).metricsCount).toBe(3);
      expect((await caller.finetuning.metrics({ finetuning_id: job.id })).raw_count).toBe(3);

      // A step that arrives after a later one (a late poll) is not lost behind the newest step held.
      await ingestProviderEvents({ db: other, jobId: job.id, events: [metricsEvent("c10", 10, 1.0)] });
      expect((await caller.finetuning.metrics({ finetuning_id: job.id })).series.train_loss.map((p) => p.step)).toEqual([1, 2, 3, 10]);
      await ingestProviderEvents({ db: other, jobId: job.id, events: [metricsEvent("c5", 5, Number.NaN), metricsEvent("c6", 6, 1.2)] });
      const late = await caller.finetuning.metrics({ finetuning_id: job.id });
      expect(late.series.train_loss.map((p) => p.step)).toEqual([1, 2, 3, 6, 10]);
      expect(late).toMatchObject({ raw_count: 6, non_finite_count: 1 });

      // The same job spelled in capitals is the same curves (one cached entry, not one per spelling).
      expect((await caller.finetuning.metrics({ finetuning_id: job.id.toUpperCase() })).series).toEqual(late.series);
      // A point is never changed in place (the cache could not tell): Postgres refuses it.
      await expect(other.$executeRaw`UPDATE job_metrics SET train_loss = 9 WHERE job_id = ${job.id}::uuid AND step = 1`).rejects.toThrow(
        /append-only/,
      );
      await expect(other.$executeRaw`TRUNCATE job_metrics`).rejects.toThrow(/append-only/);
    } finally {
      await other.$disconnect();
    }
  });

  it("a job trained through the worker: one point per step, checkpoints per epoch, trained tokens, served on tRPC and REST", async () => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const job = await makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    await db().finetuningJob.update({ where: { id: job.id }, data: { modelParameters: { n_epochs: 2 } } });
    await driveJob({ db: db(), provider, jobId: job.id });
    // Polling again reads nothing new: still one row per step.
    await mirrorProviderEvents({ db: db(), provider, jobId: job.id, providerJobId: (await row(job.id)).finetuningJobId ?? "" });
    await advanceJob({ db: db(), provider, jobId: job.id, pollSeconds: 0 });

    const done = await row(job.id);
    expect(done.status).toBe("succeeded");
    expect(done.totalSteps).toBe(22); // 12 golden records, 1 held out to validate on: 11 examples, batch 1, 2 epochs
    expect(done.step).toBe(22);
    expect(await metricCount(job.id)).toBe(22);
    expect(done.trainedTokens).toBeGreaterThan(0);
    expect(done.trainingFileTokens).toBeGreaterThan(0);

    const caller = await callerAs("viewer", provider);
    const checkpoints = await caller.finetuning.checkpoints({ finetuning_id: job.id });
    expect(checkpoints.map((c) => c.step_number)).toEqual([11, 22]);
    expect(checkpoints[0]?.fine_tuned_model_checkpoint).toMatch(/^ft:gpt-4o-mini-2024-07-18:.*:ckpt-step-11$/);
    expect(checkpoints[0]?.metrics.train_loss).toEqual(expect.any(Number));

    const wire = await caller.finetuning.get({ finetuning_id: job.id });
    expect(wire.progress).toMatchObject({ step: 22, total_steps: 22, percent: 100 });
    expect(wire.trained_tokens).toBe(done.trainedTokens);
    // gpt-4o-mini trains at $3 per 1M tokens; amounts in steps of $0.0001.
    expect(wire.cost.final_usd).toBe(Math.round(((done.trainedTokens ?? 0) * 3) / 100) / 10_000);

    const key = await apiKey("viewer", "metrics-viewer");
    const metricsCall = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}/metrics?max_points=10`, { key });
    expect(metricsCall.status).toBe(200);
    expect(metricsCall.body).toMatchObject({ finetuning_id: job.id, raw_count: 22, total_steps: 22 });
    expect(metricsCall.body.series.train_loss).toHaveLength(10);
    const checkpointsCall = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}/checkpoints`, { key });
    expect(checkpointsCall.status).toBe(200);
    expect(checkpointsCall.body).toHaveLength(2);
    expect((await rest(api.origin, "GET", `/api/v1/finetunings/${crypto.randomUUID()}/metrics`, { key })).status).toBe(404);
  });

  it("REST pause and resume: 409 before the provider job exists, x-should-retry false", async () => {
    const job = await makeJob(db(), { status: "queued" });
    const key = await apiKey("operator", "pause-operator");
    const paused = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/pause`, { key });
    expect(paused.status).toBe(409);
    expect(paused.headers.get("x-should-retry")).toBe("false");
    expect(paused.body.error.message).toContain("has not started training at the provider yet");
    expect((await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/resume`, { key, json: { reason: "go" } })).status).toBe(409);
  });
});

describe("loss shapes from the sandbox, through the worker", () => {
  let training: Sandbox;
  let trainingProvider: FinetuningProvider;
  beforeAll(async () => {
    // 10 examples × 3 epochs = 30 steps in 20 s: a step every ~0.7 s.
    ({ sandbox: training, provider: trainingProvider } = await sandboxProvider({
      fileProcessingMs: 20,
      validatingMs: 20,
      queuedMs: 20,
      runningMs: 20_000,
    }));
  });
  afterAll(async () => {
    await training.close();
  });

  async function trainingJob() {
    const fileId = await uploadProcessedFile(trainingProvider);
    const providerJob = await trainingProvider.createJob({
      jobId: crypto.randomUUID(),
      fileId,
      model: "gpt-4o-mini-2024-07-18",
      parameters: null,
      suffix: null,
    });
    await waitFor(
      () => trainingProvider.retrieveJob(providerJob.id),
      (j) => j.status === "running",
    );
    const job = await makeJob(db(), { status: "running", finetuningJobId: providerJob.id, finetuningFileId: fileId });
    const step = async () => (await advanceJob({ db: db(), provider: trainingProvider, jobId: job.id, pollSeconds: 0 }), row(job.id));
    return { job, providerJobId: providerJob.id, step };
  }

  it("nan: later steps are stored as NaN, the wire's latest loss is null, and the curve counts them", async () => {
    const { job, providerJobId, step } = await trainingJob();
    await training.setLossShape(providerJobId, "nan"); // from the sandbox's current step (1 or 2: it just started)
    await waitFor(step, (r) => (r.step ?? 0) >= 5);
    const caller = await callerAs("viewer", trainingProvider);
    expect((await caller.finetuning.get({ finetuning_id: job.id })).progress).toMatchObject({ train_loss: null });
    expect((await caller.finetuning.metrics({ finetuning_id: job.id })).non_finite_count).toBeGreaterThan(0);
  });

  it("diverging: the latest loss ends above where it was", async () => {
    const { job, providerJobId, step } = await trainingJob();
    const first = await waitFor(step, (r) => (r.step ?? 0) >= 2);
    await training.setLossShape(providerJobId, "diverging");
    const later = await waitFor(step, (r) => (r.step ?? 0) >= (first.step ?? 0) + 12, 15_000);
    expect(later.trainLoss).toBeGreaterThan(first.trainLoss ?? Infinity);
    expect(await metricCount(job.id)).toBe(later.step);
  });

  it("flat (stalled): no new steps, so the progress stands still", async () => {
    const { providerJobId, step } = await trainingJob();
    await waitFor(step, (r) => (r.step ?? 0) >= 1);
    await training.setLossShape(providerJobId, "flat");
    const stalled = await step();
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // ~3 steps' worth of time
    const after = await step();
    expect(after.step).toBe(stalled.step);
    expect(after.status).toBe("running");
  });
});
