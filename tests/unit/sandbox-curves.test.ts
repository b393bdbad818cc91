// The sandbox's loss curves make a sweep meaningful: the learning-rate
// multiplier and the epochs shape them deterministically, noise is seeded,
// validation is reported every few steps, and a job continued from a
// checkpoint starts from its parent's loss there.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { uploadFile } from "@/server/provider/sandbox/files";
import { trainingJsonl } from "@/server/provider/sandbox/fixtures";
import { parseJobSpec } from "@/server/provider/sandbox/job-params";
import * as jobs from "@/server/provider/sandbox/jobs";
import { cleanLoss, lossAt, metricsAt, VALID_EVERY } from "@/server/provider/sandbox/lifecycle";
import { memoryStore, NOT_STARTED, type JobRecord } from "@/server/provider/sandbox/state";
import { DEFAULT_TIMINGS } from "@/server/provider/sandbox/types";
import type { Core } from "@/server/provider/sandbox/view";

function record(lr: number, epochs: number, seed = 7): JobRecord {
  return {
    model: "gpt-4o-mini",
    trainingFile: "file-a",
    validationFile: "file-b",
    suffix: null,
    metadata: null,
    hyperparameters: { n_epochs: epochs, batch_size: 1, learning_rate_multiplier: lr },
    seed,
    id: `ftjob-${lr}-${epochs}`,
    examples: 20,
    tokens: 1000,
    createdAt: 0,
    status: "running",
    stageStartedMs: 0,
    ...NOT_STARTED,
    step: 0,
  };
}

const finalLoss = (lr: number, epochs: number) => cleanLoss(record(lr, epochs), 20 * epochs);

describe("sandbox curves", () => {
  it("a multiplier near 2 ends lowest; too low learns slowly; too high diverges", () => {
    const byLr = [0.1, 0.5, 2, 8].map((lr) => finalLoss(lr, 2));
    expect(byLr[2]).toBeLessThan(byLr[1]!);
    expect(byLr[1]).toBeLessThan(byLr[0]!);
    expect(byLr[0]).toBeGreaterThan(1.5); // 0.1 has barely moved from 2.45
    const high = record(8, 2);
    expect(cleanLoss(high, 40)).toBeGreaterThan(cleanLoss(high, 10)); // it turned and grew
    expect(byLr[3]).toBeGreaterThan(byLr[2]! * 3);
  });

  it("more epochs train further at a modest multiplier", () => {
    expect(finalLoss(0.5, 2)).toBeLessThan(finalLoss(0.5, 1));
  });

  it("the noise is seeded: same seed, same loss; another seed, another loss; a few percent either way", () => {
    expect(lossAt(record(2, 2, 1), 12)).toBe(lossAt(record(2, 2, 1), 12));
    expect(lossAt(record(2, 2, 1), 12)).not.toBe(lossAt(record(2, 2, 2), 12));
    for (let step = 1; step <= 40; step += 1) {
      const ratio = lossAt(record(2, 2), step) / cleanLoss(record(2, 2), step);
      expect(ratio).toBeGreaterThanOrEqual(0.97);
      expect(ratio).toBeLessThan(1.03);
    }
  });

  it("validation loss on the first step, every few steps and at each epoch's end", () => {
    const job = record(2, 2);
    const validated = Array.from({ length: 40 }, (_, i) => i + 1).filter((step) => "valid_loss" in metricsAt(job, step));
    expect(validated).toEqual([1, ...Array.from({ length: 40 / VALID_EVERY }, (_, i) => (i + 1) * VALID_EVERY)]);
    expect(metricsAt({ ...job, validationFile: null }, 5)).not.toHaveProperty("valid_loss");
  });
});

describe("a job continued from a sandbox checkpoint", () => {
  const TIMINGS = { ...DEFAULT_TIMINGS, fileProcessingMs: 100, validatingMs: 100, queuedMs: 100, runningMs: 1_000 };
  let core: Core;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    core = { store: memoryStore(TIMINGS) };
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const tick = (ms: number) => vi.advanceTimersByTime(ms);

  it("starts from its parent's loss at the checkpoint's step, then keeps falling", async () => {
    const file = await uploadFile(core, "train.jsonl", "fine-tune", Buffer.from(trainingJsonl(10)));
    tick(100);
    const spec = (model: string, lr: number) =>
      parseJobSpec({ model, training_file: file.id, seed: 3, hyperparameters: { n_epochs: 2, learning_rate_multiplier: lr } });
    const parent = await jobs.createJob(core, spec("gpt-4o-mini", 0.5));
    tick(200 + 1_000);
    const [checkpoint] = await jobs.jobCheckpoints(core, parent.id);
    expect(checkpoint?.step_number).toBe(10);
    const parentLoss = checkpoint!.metrics.train_loss!;

    const child = await jobs.createJob(core, spec(checkpoint!.fine_tuned_model_checkpoint, 0.5));
    tick(200 + 1_000);
    const done = await jobs.getJob(core, child.id);
    expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini:sandbox:custom:/);
    const losses = (await jobs.jobEvents(core, child.id))
      .filter((e) => e.type === "metrics")
      .map((e) => (e.data as { train_loss: number }).train_loss);
    // Its first step is within the noise and one step's learning of the parent's loss, far below a fresh start.
    expect(Math.abs(losses[0]! - parentLoss) / parentLoss).toBeLessThan(0.12);
    const fresh = cleanLoss(record(0.5, 2), 1);
    expect(losses[0]).toBeLessThan(fresh * 0.8);
    expect(losses.at(-1)).toBeLessThan(losses[0]!);
  });
});
