// server/provider's training controls and numbers, through the real `openai`
// SDK over HTTP against the sandbox: pause, resume, checkpoints, per-step
// metrics (incrementally), estimated finish, trained tokens, loss shapes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { countTrainingFileTokens } from "@/server/finetuning/token-count";
import type { Sandbox } from "@/server/provider/sandbox";
import { waitFor } from "@/server/provider/sandbox/fixtures";
import { ProviderNotFoundError, ProviderRejectedError, type FinetuningProvider } from "@/server/provider/types";
import { sandboxProvider, uploadProcessedFile } from "../helpers/provider";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let fileId: string;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 0, validatingMs: 30, queuedMs: 30, runningMs: 2_000 }));
  fileId = await uploadProcessedFile(provider, 10);
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await sandbox.setTimings({ fileProcessingMs: 0, validatingMs: 30, queuedMs: 30, runningMs: 2_000 });
});

/** 10 examples × 2 epochs = 20 steps. */
const create = () =>
  provider.createJob({ jobId: crypto.randomUUID(), fileId, model: "gpt-4o-mini", parameters: { n_epochs: 2 }, suffix: "t" });
const running = (id: string) =>
  waitFor(
    () => provider.retrieveJob(id),
    (j) => j.status === "running",
  );
const metrics = async (id: string) =>
  (await provider.listEvents(id, { afterEventId: null })).flatMap((e) => (e.metrics ? [e.metrics] : []));

describe("the provider's training controls", () => {
  it("pauses (pausing → paused, no estimate, no new steps) and resumes to running; the job then finishes", async () => {
    const job = await create();
    await running(job.id);
    const pausing = await provider.pauseJob(job.id);
    expect(pausing.status).toBe("pausing");
    const paused = await waitFor(
      () => provider.retrieveJob(job.id),
      (j) => j.status === "paused",
    );
    expect(paused.estimatedFinish).toBeNull();
    expect((await provider.pauseJob(job.id)).status).toBe("paused"); // pausing twice changes nothing
    const stepsWhenPaused = (await metrics(job.id)).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await metrics(job.id)).toHaveLength(stepsWhenPaused);

    const resumed = await provider.resumeJob(job.id);
    expect(resumed.status).toBe("running");
    expect(resumed.estimatedFinish).toBeInstanceOf(Date);
    const done = await waitFor(
      () => provider.retrieveJob(job.id),
      (j) => j.status === "succeeded",
      { timeoutMs: 10_000 },
    );
    // Billed like OpenAI: the file's tiktoken count for the model, once per epoch — the same count the product estimates cost with.
    const line = JSON.stringify({
      messages: [
        { role: "user", content: "How many orders?" },
        { role: "assistant", content: "SELECT count(*) FROM orders;" },
      ],
    });
    expect(done.trainedTokens).toBe(countTrainingFileTokens(Array(10).fill(line).join("\n"), "gpt-4o-mini") * 2);
    expect(done.estimatedFinish).toBeNull();
  });

  it("refuses to pause a job that is not running and to resume one that is not paused; cancels a paused job", async () => {
    await sandbox.setTimings({ validatingMs: Infinity });
    const job = await create();
    await expect(provider.pauseJob(job.id)).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(provider.resumeJob(job.id)).rejects.toBeInstanceOf(ProviderRejectedError);
    await sandbox.setTimings({ validatingMs: 0, queuedMs: 0, runningMs: Infinity });
    await running(job.id);
    await provider.pauseJob(job.id);
    expect((await provider.cancelJob(job.id)).status).toBe("cancelled");
    await expect(provider.resumeJob(job.id)).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(provider.pauseJob("ftjob-nope")).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(provider.listCheckpoints("ftjob-nope")).rejects.toBeInstanceOf(ProviderNotFoundError);
  });

  it("reports a metrics event per step with a noisy falling loss, a checkpoint per epoch, and an estimated finish while running", async () => {
    const job = await create();
    const during = await running(job.id);
    expect(during.estimatedFinish!.getTime()).toBeGreaterThan(Date.now());
    // Incremental reads: each event once, in order, whatever the page boundaries.
    const seen: string[] = [];
    let last: string | null = null;
    for (;;) {
      const fresh = await provider.listEvents(job.id, { afterEventId: last });
      seen.push(...fresh.map((e) => e.id));
      last = fresh.at(-1)?.id ?? last;
      if ((await provider.retrieveJob(job.id)).status === "succeeded" && fresh.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const all = await provider.listEvents(job.id, { afterEventId: null });
    expect(seen).toEqual(all.map((e) => e.id));
    const points = all.flatMap((e) => (e.metrics ? [e.metrics] : []));
    expect(points.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(points[0]).toMatchObject({
      totalSteps: 20,
      trainLoss: expect.any(Number),
      trainMeanTokenAccuracy: expect.any(Number),
      validLoss: null,
    });
    const losses = points.map((p) => p.trainLoss ?? NaN);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
    expect(losses.some((loss, i) => i > 0 && loss > (losses[i - 1] ?? Infinity))).toBe(true); // noisy, not a formula's smooth line

    const checkpoints = await provider.listCheckpoints(job.id);
    expect(checkpoints.map((c) => c.step)).toEqual([10, 20]);
    expect(checkpoints[1]).toMatchObject({
      model: expect.stringMatching(/^ft:gpt-4o-mini:sandbox:t:.+:ckpt-step-20$/),
      metrics: { step: 20, trainLoss: losses[19] },
    });
    expect(checkpoints[1]!.createdAt).toBeInstanceOf(Date);
  });

  it("loss shapes from the control API: diverging rises, nan arrives as NaN, flat stalls the job", async () => {
    // Held at their first step while the shapes are set, however slow the machine; then trained in a second.
    await sandbox.setTimings({ runningMs: Infinity });
    const [diverging, nan, flat] = [await create(), await create(), await create()];
    await Promise.all([running(diverging.id), running(nan.id), running(flat.id)]);
    await sandbox.setLossShape(diverging.id, "diverging");
    await sandbox.setLossShape(nan.id, "nan");
    await sandbox.setLossShape(flat.id, "flat");
    await sandbox.setTimings({ runningMs: 1_000 });
    const stalledAt = (await metrics(flat.id)).length;
    await waitFor(
      () => provider.retrieveJob(nan.id),
      (j) => j.status === "succeeded",
    );
    await waitFor(
      () => provider.retrieveJob(diverging.id),
      (j) => j.status === "succeeded",
    );

    const rising = (await metrics(diverging.id)).map((p) => p.trainLoss ?? NaN);
    expect(rising.at(-1)).toBeGreaterThan(Math.min(...rising) * 2);
    const last = (await metrics(nan.id)).at(-1);
    expect(last?.trainLoss).toBeNaN();
    expect(last?.trainMeanTokenAccuracy).toBeNaN();

    const stalled = await provider.retrieveJob(flat.id);
    expect(stalled).toMatchObject({ status: "running", estimatedFinish: null });
    expect(await metrics(flat.id)).toHaveLength(stalledAt);
    const control = await fetch(`${sandbox.origin}/_sandbox/jobs/${flat.id}/loss`, {
      method: "POST",
      headers: { authorization: `Bearer ${sandbox.controlToken}`, "content-type": "application/json" },
      body: JSON.stringify({ shape: "normal" }),
    });
    expect(control.status).toBe(200);
    await waitFor(
      () => provider.retrieveJob(flat.id),
      (j) => j.status === "succeeded",
    );
  });
});
