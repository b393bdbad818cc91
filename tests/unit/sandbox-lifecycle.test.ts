// Job lifecycle of the OpenAI sandbox on fake timers: order, finality, rescheduling.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scheduleFile, uploadFile } from "@/server/provider/sandbox/files";
import { trainingJsonl } from "@/server/provider/sandbox/fixtures";
import { parseJobSpec } from "@/server/provider/sandbox/job-params";
import { cancelJob, completeJob, createJob, failJob, scheduleJob } from "@/server/provider/sandbox/jobs";
import { SandboxState } from "@/server/provider/sandbox/state";

const TIMINGS = { fileProcessingMs: 100, validatingMs: 100, queuedMs: 100, runningMs: 100 };
let state: SandboxState;

beforeEach(() => {
  vi.useFakeTimers();
  state = new SandboxState(TIMINGS);
});
afterEach(() => {
  state.clear();
  vi.useRealTimers();
});

function newJob() {
  const file = uploadFile(state, "train.jsonl", "fine-tune", Buffer.from(trainingJsonl(10)));
  vi.advanceTimersByTime(100);
  expect(file.status).toBe("processed");
  return createJob(state, parseJobSpec({ model: "gpt-4o-mini", training_file: file.id }));
}

describe("sandbox job lifecycle", () => {
  it("moves validating_files → queued → running → succeeded on its timings", () => {
    const job = newJob();
    const seen = [job.status];
    for (let i = 0; i < 3; i += 1) {
      vi.advanceTimersByTime(100);
      seen.push(job.status);
    }
    expect(seen).toEqual(["validating_files", "queued", "running", "succeeded"]);
    expect(job.fineTunedModel).toMatch(/^ft:gpt-4o-mini:sandbox:custom:/);
    vi.advanceTimersByTime(10_000);
    expect(job.status).toBe("succeeded");
  });

  it("never moves after cancel, fail or forced completion", () => {
    const cancelled = newJob();
    cancelJob(state, cancelled.id);
    const failed = newJob();
    failJob(state, failed.id, "boom");
    const completed = newJob();
    completeJob(state, completed.id);
    vi.advanceTimersByTime(10_000);
    expect([cancelled.status, failed.status, completed.status]).toEqual(["cancelled", "failed", "succeeded"]);
    expect(failed.error).toEqual({ code: "server_error", message: "boom", param: null });
    for (const job of [cancelled, failed, completed]) {
      expect(() => cancelJob(state, job.id)).toThrow(expect.objectContaining({ status: 400, code: "job_not_cancellable" }));
      expect(() => failJob(state, job.id)).toThrow(expect.objectContaining({ status: 409 }));
    }
  });

  it("re-times running stages when timings change, and Infinity means never", () => {
    state.timings = { ...TIMINGS, runningMs: Infinity };
    const job = newJob();
    vi.advanceTimersByTime(200);
    expect(job.status).toBe("running");
    vi.advanceTimersByTime(2 ** 32);
    expect(job.status).toBe("running");
    expect(job.estimatedFinish).toBeNull();
    state.timings = { ...TIMINGS, runningMs: 50 };
    scheduleJob(state, job); // what Sandbox.setTimings does for every live job
    vi.advanceTimersByTime(0);
    expect(job.status).toBe("succeeded");
  });

  it("fails a job whose training file is deleted while validating", () => {
    const job = newJob();
    const file = state.files.get(job.trainingFile);
    if (file) file.deleted = true;
    vi.advanceTimersByTime(100);
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("invalid_training_file");
  });

  it("keeps a file 'uploaded' while processing is set to never", () => {
    state.timings = { ...TIMINGS, fileProcessingMs: Infinity };
    const file = uploadFile(state, "t.jsonl", "fine-tune", Buffer.from(trainingJsonl(10)));
    vi.advanceTimersByTime(60_000);
    expect(file.status).toBe("uploaded");
    state.timings = TIMINGS;
    scheduleFile(state, file);
    vi.advanceTimersByTime(0);
    expect(file.status).toBe("processed");
  });
});
