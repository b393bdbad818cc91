import type { Db } from "../../server/db";
import type { FinetuningProvider } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";

/**
 * Takes a job's steps the way the queue does — again at once, later, or after
 * a failed step — until it is done. Deterministic stand-in for startWorker in
 * tests that share a database.
 */
export async function driveJob(args: {
  db: Db;
  provider: FinetuningProvider;
  jobId: string;
  timeoutMs?: number;
}): Promise<{ steps: number; failedSteps: unknown[] }> {
  const deadline = Date.now() + (args.timeoutMs ?? 20_000);
  const failedSteps: unknown[] = [];
  for (let steps = 1; Date.now() < deadline; steps++) {
    try {
      const result = await advanceJob({ db: args.db, provider: args.provider, jobId: args.jobId, pollSeconds: 0, createSettleMs: 2_000 });
      if (result.next === "done") return { steps, failedSteps };
      if (result.next === "later") await sleep(50);
    } catch (error) {
      failedSteps.push(error); // the queue retries a failed step with backoff
      await sleep(50);
    }
  }
  throw new Error(`job ${args.jobId} not done within the time limit`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}
