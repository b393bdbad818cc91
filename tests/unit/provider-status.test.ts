import { describe, expect, it } from "vitest";
import type { FineTuningJob } from "openai/resources/fine-tuning/jobs/jobs";
import { toProviderJob, toProviderMetrics, UnknownProviderStatusError } from "../../server/provider/openai";

const job = (status: string) =>
  ({ id: "ftjob-1", status, fine_tuned_model: null, error: null, training_file: "file-1" }) as unknown as FineTuningJob;

describe("provider statuses", () => {
  // pausing/paused are what the live API answers to pause, though its published enum omits them.
  it.each(["validating_files", "queued", "running", "pausing", "paused", "succeeded", "failed", "cancelled"])(
    "maps %s one to one",
    (status) => {
      expect(toProviderJob(job(status)).status).toBe(status);
    },
  );

  it("refuses an unknown status instead of guessing", () => {
    expect(() => toProviderJob(job("frozen"))).toThrow(UnknownProviderStatusError);
  });

  it("reads estimated_finish and trained_tokens", () => {
    const read = toProviderJob({ ...job("running"), estimated_finish: 1_800_000_000, trained_tokens: 1234 });
    expect(read).toMatchObject({ estimatedFinish: new Date(1_800_000_000_000), trainedTokens: 1234 });
    expect(toProviderJob(job("queued"))).toMatchObject({ estimatedFinish: null, trainedTokens: null });
  });
});

describe("provider metrics", () => {
  it("tells a value the provider did not send (null) from one that is not a number (NaN)", () => {
    expect(toProviderMetrics({ step: 3, total_steps: 30, train_loss: 1.25, train_mean_token_accuracy: null, valid_loss: "NaN" })).toEqual({
      step: 3,
      totalSteps: 30,
      trainLoss: 1.25,
      trainMeanTokenAccuracy: Number.NaN,
      validLoss: Number.NaN,
      validMeanTokenAccuracy: null,
      fullValidLoss: null,
      fullValidMeanTokenAccuracy: null,
    });
  });

  it("is null for data without a whole step (a message event's data)", () => {
    expect(toProviderMetrics({})).toBeNull();
    expect(toProviderMetrics(null)).toBeNull();
    expect(toProviderMetrics({ step: 1.5, train_loss: 1 })).toBeNull();
  });
});
