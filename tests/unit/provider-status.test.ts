import { describe, expect, it } from "vitest";
import type { FineTuningJob } from "openai/resources/fine-tuning/jobs/jobs";
import { toProviderJob, UnknownProviderStatusError } from "../../server/provider/openai";

const job = (status: string) => ({ id: "ftjob-1", status, fine_tuned_model: null, error: null, training_file: "file-1" }) as unknown as FineTuningJob;

describe("provider statuses", () => {
  it.each(["validating_files", "queued", "running", "succeeded", "failed", "cancelled"])("maps %s one to one", (status) => {
    expect(toProviderJob(job(status)).status).toBe(status);
  });

  it("refuses an unknown status instead of guessing", () => {
    expect(() => toProviderJob(job("paused"))).toThrow(UnknownProviderStatusError);
  });
});
