import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../server/provider/sandbox";
import {
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type FinetuningProvider,
} from "../../server/provider/types";
import { createTogetherProvider } from "../../server/provider/together";
import { dropSandboxSchema, durableSandboxOptions, sandboxControl, togetherSandboxProvider } from "../helpers/provider";
import { waitFor } from "../helpers/worker";

// The Together provider module (the real together-ai SDK) over HTTP against
// the Together sandbox: every call the product makes, in Together's shapes.

let sandbox: Sandbox;
let provider: FinetuningProvider;

const line = JSON.stringify({
  messages: [
    { role: "user", content: "How many orders?" },
    { role: "assistant", content: "SELECT count(*) FROM orders;" },
  ],
});
const jsonl = Array(12).fill(line).join("\n");
const MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";

async function processedFile(): Promise<string> {
  const { fileId } = await provider.uploadTrainingFile({ jobId: crypto.randomUUID(), jsonl });
  await waitFor(
    () => provider.fileState(fileId),
    (s) => s.status === "processed",
  );
  return fileId;
}

beforeAll(async () => {
  ({ sandbox, provider } = await togetherSandboxProvider({ fileProcessingMs: 50, validatingMs: 100, queuedMs: 100, runningMs: 1_500 }));
});
afterAll(() => sandbox.close());

describe("the Together provider over the together-ai SDK", () => {
  it("uploads, creates, follows a job to completed with steps, checkpoints and the reported price, then deletes", async () => {
    const fileId = await processedFile();
    const jobId = crypto.randomUUID();
    const created = await provider.createJob({ jobId, fileId, model: MODEL, parameters: { n_epochs: 2, lora: true }, suffix: null });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.providerStatus).toBe("pending");
    expect(created.status).toBe("queued");
    // Created once: asking again finds the same job by our id.
    expect((await provider.createJob({ jobId, fileId, model: MODEL, parameters: null, suffix: null })).id).toBe(created.id);
    expect((await provider.findJobFor(jobId))?.id).toBe(created.id);

    const done = await waitFor(
      () => provider.retrieveJob(created.id),
      (j) => j.status === "succeeded",
    );
    expect(done.providerStatus).toBe("completed");
    expect(done.fineTunedModel).toBeTruthy();
    expect(done.reportedPriceUsd).toBeGreaterThan(0);

    const events = await provider.listEvents(created.id);
    const steps = events.filter((e) => e.metrics !== null);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((e) => e.metrics && Number.isFinite(e.metrics.trainLoss))).toBe(true);
    expect(events.some((e) => e.metrics === null && /completed/.test(e.message))).toBe(true);
    // Stable ids: reading again gives the same ones.
    expect((await provider.listEvents(created.id)).map((e) => e.id)).toEqual(events.map((e) => e.id));

    const checkpoints = await provider.listCheckpoints(created.id);
    expect(checkpoints.length).toBe(2);
    expect(checkpoints[0]?.id).toBe(`${created.id}:${checkpoints[0]?.step}`);

    await provider.deleteJob?.(created.id);
    await expect(provider.retrieveJob(created.id)).rejects.toBeInstanceOf(ProviderNotFoundError);
    await provider.deleteFile(fileId);
    await provider.deleteFile(fileId); // already gone is fine
  });

  it("draws the loss by the learning rate, as a sweep over it needs: too low learns slowly, too high diverges", async () => {
    const fileId = await processedFile();
    const lastLoss = async (learningRate: number) => {
      const job = await provider.createJob({
        jobId: crypto.randomUUID(),
        fileId,
        model: MODEL,
        parameters: { n_epochs: 1, learning_rate: learningRate },
        suffix: null,
      });
      await waitFor(
        () => provider.retrieveJob(job.id),
        (j) => j.status === "succeeded",
      );
      const losses = (await provider.listEvents(job.id)).flatMap((e) => (e.metrics?.trainLoss == null ? [] : [e.metrics.trainLoss]));
      return losses.at(-1)!;
    };
    const [slow, usual, diverging] = [await lastLoss(1e-7), await lastLoss(1e-5), await lastLoss(1e-3)];
    expect(usual).toBeLessThan(slow);
    expect(diverging > usual || Number.isNaN(diverging)).toBe(true);
  });

  it("cancels asynchronously: cancel_requested (cancelling) until the sandbox confirms, then cancelled", async () => {
    await sandbox.setTimings({ runningMs: 60_000, cancelConfirmMs: 1_000 });
    try {
      const fileId = await processedFile();
      const job = await provider.createJob({ jobId: crypto.randomUUID(), fileId, model: MODEL, parameters: null, suffix: null });
      await waitFor(
        () => provider.retrieveJob(job.id),
        (j) => j.status === "running",
      );
      const answer = await provider.cancelJob(job.id);
      expect(answer).toMatchObject({ status: "cancelling", providerStatus: "cancel_requested" });
      expect((await provider.retrieveJob(job.id)).status).toBe("cancelling");
      const confirmed = await waitFor(
        () => provider.retrieveJob(job.id),
        (j) => j.status === "cancelled",
      );
      expect(confirmed.providerStatus).toBe("cancelled");
      // Cancelling a cancelled job answers how it ended.
      expect((await provider.cancelJob(job.id)).status).toBe("cancelled");
    } finally {
      await sandbox.setTimings({ runningMs: 1_500, cancelConfirmMs: 0 });
    }
  });

  it("refuses an unknown model, and says so", async () => {
    const fileId = await processedFile();
    await expect(
      provider.createJob({ jobId: crypto.randomUUID(), fileId, model: "gpt-4o-mini-2024-07-18", parameters: null, suffix: null }),
    ).rejects.toBeInstanceOf(ProviderRejectedError);
  });

  it("turns a provider that keeps failing into ProviderUnavailableError, and a wrong key into a refusal", async () => {
    const res = await sandboxControl(sandbox, "faults", {
      method: "POST",
      body: { route: "GET /v1/fine-tunes/*", fault: { kind: "status", status: 503 }, times: 50 },
    });
    expect(res.status).toBe(200);
    try {
      await expect(provider.retrieveJob("ft-00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(ProviderUnavailableError);
    } finally {
      sandbox.clearFaults();
    }
    const stranger = createTogetherProvider({ apiKey: "not-the-key", baseURL: sandbox.url, timeoutMs: 2_000, deadlineMs: 1_000 });
    await expect(stranger.findJobFor(crypto.randomUUID())).rejects.toBeInstanceOf(ProviderRejectedError);
  });
});

describe("the Together sandbox in Postgres", () => {
  it("carries a job on across a restart of its front (the state is in the database, not the process)", async () => {
    const options = durableSandboxOptions();
    try {
      const first = await togetherSandboxProvider(
        { fileProcessingMs: 50, validatingMs: 100, queuedMs: 100, runningMs: 60_000 },
        {},
        options,
      );
      const { fileId } = await first.provider.uploadTrainingFile({ jobId: crypto.randomUUID(), jsonl });
      await waitFor(
        () => first.provider.fileState(fileId),
        (s) => s.status === "processed",
      );
      const job = await first.provider.createJob({ jobId: crypto.randomUUID(), fileId, model: MODEL, parameters: null, suffix: null });
      await waitFor(
        () => first.provider.retrieveJob(job.id),
        (j) => j.status === "running",
      );
      await first.sandbox.close();

      const second = await togetherSandboxProvider({}, {}, options);
      try {
        expect((await second.provider.retrieveJob(job.id)).status).toBe("running");
        await second.sandbox.completeJob(job.id);
        expect((await second.provider.retrieveJob(job.id)).providerStatus).toBe("completed");
      } finally {
        await second.sandbox.close();
      }
    } finally {
      await dropSandboxSchema(options.schema);
    }
  });
});
