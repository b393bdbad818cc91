// Job lifecycle of the OpenAI sandbox on a fake clock: order, finality,
// re-timing, pause/resume, steps, checkpoints and loss shapes. Nothing runs on
// a timer: each read brings a job up to the clock, so moving the clock is enough.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deleteFile, getFile, uploadFile } from "@/server/provider/sandbox/files";
import { trainingJsonl } from "@/server/provider/sandbox/fixtures";
import { parseJobSpec } from "@/server/provider/sandbox/job-params";
import * as jobs from "@/server/provider/sandbox/jobs";
import { PAUSING_MS } from "@/server/provider/sandbox/lifecycle";
import { memoryStore } from "@/server/provider/sandbox/state";
import type { Core } from "@/server/provider/sandbox/view";

const TIMINGS = { fileProcessingMs: 100, validatingMs: 100, queuedMs: 100, runningMs: 1_000 };
let core: Core;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  core = { store: memoryStore(TIMINGS) };
});
afterEach(() => {
  vi.useRealTimers();
});

const tick = (ms: number) => vi.advanceTimersByTime(ms);

/** 10 examples × n_epochs 2 = 20 steps over runningMs. */
async function newJob(validation = false) {
  const file = await uploadFile(core, "train.jsonl", "fine-tune", Buffer.from(trainingJsonl(10)));
  tick(100);
  expect((await getFile(core, file.id)).status).toBe("processed");
  const spec = {
    model: "gpt-4o-mini",
    training_file: file.id,
    hyperparameters: { n_epochs: 2 },
    ...(validation ? { validation_file: file.id } : {}),
  };
  return jobs.createJob(core, parseJobSpec(spec));
}

const status = async (id: string) => (await jobs.getJob(core, id)).status;
const metricEvents = async (id: string) => (await jobs.jobEvents(core, id)).filter((e) => e.type === "metrics");
const losses = async (id: string) => (await metricEvents(id)).map((e) => (e.data as { train_loss: number | null }).train_loss);

describe("sandbox job lifecycle", () => {
  it("moves validating_files → queued → running → succeeded on its timings, catching up after a long gap", async () => {
    const job = await newJob();
    const seen = [job.status];
    for (const ms of [100, 100, 1_000]) {
      tick(ms);
      seen.push(await status(job.id));
    }
    expect(seen).toEqual(["validating_files", "queued", "running", "succeeded"]);
    const done = await jobs.getJob(core, job.id);
    expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini:sandbox:custom:/);
    expect(done.trained_tokens).toBeGreaterThan(0);
    expect(done.estimated_finish).toBeNull();

    // Nobody looked for a long while: the next look finds it finished, every step reported once.
    const late = await newJob();
    tick(60_000);
    expect(await status(late.id)).toBe("succeeded");
    expect((await metricEvents(late.id)).map((e) => (e.data as { step: number }).step)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it("reports every step with a noisy falling loss, a checkpoint per epoch, and an estimated finish while running", async () => {
    const job = await newJob(true);
    tick(200 + 500); // half of the running time
    const running = await jobs.getJob(core, job.id);
    expect(running.status).toBe("running");
    expect(running.estimated_finish).toBe(Math.ceil((Date.now() + 500) / 1000));
    expect((await metricEvents(job.id)).length).toBe(10);
    tick(500);
    const all = (await losses(job.id)) as number[];
    expect(all).toHaveLength(20);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(all.slice(-5))).toBeLessThan(mean(all.slice(0, 5)) * 0.7);
    // Noisy: not a monotone curve.
    expect(all.some((loss, i) => i > 0 && loss > (all[i - 1] ?? Infinity))).toBe(true);
    expect((await metricEvents(job.id))[0]?.data).toMatchObject({
      step: 1,
      total_steps: 20,
      valid_loss: expect.any(Number),
      train_mean_token_accuracy: expect.any(Number),
    });
    const checkpoints = await jobs.jobCheckpoints(core, job.id);
    expect(checkpoints.map((c) => c.step_number)).toEqual([10, 20]);
    expect(checkpoints[0]).toMatchObject({
      object: "fine_tuning.job.checkpoint",
      fine_tuning_job_id: job.id,
      fine_tuned_model_checkpoint: expect.stringMatching(/:ckpt-step-10$/),
    });
  });

  it("pauses (pausing → paused, no steps, no estimate) and resumes where it stopped", async () => {
    const job = await newJob();
    tick(200 + 300);
    expect((await jobs.pauseJob(core, job.id)).status).toBe("pausing");
    const stepsAtPause = (await metricEvents(job.id)).length;
    tick(PAUSING_MS);
    const paused = await jobs.getJob(core, job.id);
    expect(paused).toMatchObject({ status: "paused", estimated_finish: null });
    expect((await jobs.pauseJob(core, job.id)).status).toBe("paused"); // again: nothing changes
    tick(60_000);
    expect(await status(job.id)).toBe("paused");
    expect(await metricEvents(job.id)).toHaveLength(stepsAtPause);
    expect((await jobs.resumeJob(core, job.id)).status).toBe("running");
    tick(600);
    expect(await status(job.id)).toBe("running"); // 300 + 600 < 1000 ms of training
    tick(100);
    expect(await status(job.id)).toBe("succeeded");
    const messages = (await jobs.jobEvents(core, job.id)).map((e) => e.message);
    expect(messages).toEqual(expect.arrayContaining(["Fine-tuning job pausing", "Fine-tuning job paused", "Fine-tuning job resumed"]));
  });

  it("refuses to pause what is not running and to resume what is not paused; cancels a paused job", async () => {
    const job = await newJob();
    await expect(jobs.pauseJob(core, job.id)).rejects.toMatchObject({ status: 400, code: "job_not_pausable" });
    tick(200);
    await expect(jobs.resumeJob(core, job.id)).resolves.toMatchObject({ status: "running" });
    await jobs.pauseJob(core, job.id);
    expect((await jobs.cancelJob(core, job.id)).status).toBe("cancelled");
    await expect(jobs.resumeJob(core, job.id)).rejects.toMatchObject({ status: 400, code: "job_not_resumable" });
    await expect(jobs.pauseJob(core, job.id)).rejects.toMatchObject({ status: 400 });
  });

  it("loss shapes: diverging rises, nan reports NaN (null on the wire), flat stalls the job", async () => {
    const diverging = await newJob();
    const nan = await newJob();
    const flat = await newJob();
    tick(200 + 300);
    await jobs.setLossShape(core, diverging.id, "diverging");
    await jobs.setLossShape(core, nan.id, "nan");
    await jobs.setLossShape(core, flat.id, "flat");
    const stalledAt = (await metricEvents(flat.id)).length;
    tick(700);
    const rising = (await losses(diverging.id)) as number[];
    expect(rising.at(-1)).toBeGreaterThan((rising[5] ?? 0) * 2);
    const nans = await losses(nan.id);
    expect(nans.at(-1)).toBeNull();
    expect((await metricEvents(nan.id)).at(-1)?.message).toMatch(/training loss=nan$/);
    expect(await status(flat.id)).toBe("running");
    expect(await metricEvents(flat.id)).toHaveLength(stalledAt);
    expect((await jobs.getJob(core, flat.id)).estimated_finish).toBeNull();
    tick(60_000);
    expect(await status(flat.id)).toBe("running");
    await jobs.setLossShape(core, flat.id, "normal"); // the stall ends: training goes on from where it stood
    tick(699);
    expect(await status(flat.id)).toBe("running");
    tick(1);
    expect(await status(flat.id)).toBe("succeeded");
  });

  it("never moves after cancel, fail or forced completion", async () => {
    const cancelled = await newJob();
    await jobs.cancelJob(core, cancelled.id);
    const failed = await newJob();
    await jobs.failJob(core, failed.id, "boom");
    const completed = await newJob();
    await jobs.completeJob(core, completed.id);
    tick(10_000);
    expect([await status(cancelled.id), await status(failed.id), await status(completed.id)]).toEqual(["cancelled", "failed", "succeeded"]);
    expect((await jobs.getJob(core, failed.id)).error).toEqual({ code: "server_error", message: "boom", param: null });
    for (const job of [cancelled, failed, completed]) {
      await expect(jobs.cancelJob(core, job.id)).rejects.toMatchObject({ status: 400, code: "job_not_cancellable" });
      await expect(jobs.failJob(core, job.id)).rejects.toMatchObject({ status: 409 });
    }
  });

  it("re-times running jobs when timings change, and Infinity means never", async () => {
    await core.store.setTimings({ ...TIMINGS, runningMs: Infinity });
    const job = await newJob();
    tick(200);
    expect(await status(job.id)).toBe("running");
    tick(2 ** 32);
    expect(await jobs.getJob(core, job.id)).toMatchObject({ status: "running", estimated_finish: null });
    await core.store.setTimings({ ...TIMINGS, runningMs: 50 });
    expect(await status(job.id)).toBe("succeeded");
  });

  it("fails a job whose training file is deleted while validating", async () => {
    const job = await newJob();
    await deleteFile(core, job.training_file);
    tick(100);
    const failed = await jobs.getJob(core, job.id);
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("invalid_training_file");
  });

  it("keeps a file 'uploaded' while processing is set to never", async () => {
    await core.store.setTimings({ ...TIMINGS, fileProcessingMs: Infinity });
    const file = await uploadFile(core, "t.jsonl", "fine-tune", Buffer.from(trainingJsonl(10)));
    tick(60_000);
    expect((await getFile(core, file.id)).status).toBe("uploaded");
    await core.store.setTimings(TIMINGS);
    expect((await getFile(core, file.id)).status).toBe("processed");
  });
});
