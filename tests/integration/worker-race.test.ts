import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { cancelJob } from "../../server/finetuning/cancel";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";
import { eventsOf, makeJob } from "../helpers/factories";
import { sandboxProvider } from "../helpers/provider";
import { waitFor } from "../helpers/worker";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let fileId: string;
const operator = { kind: "api_key", id: "k", name: "racer", role: "operator" } as const;
const ITERATIONS = 200;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, runningMs: Infinity }));
  const line = JSON.stringify({ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "select 1" }] });
  ({ fileId } = await provider.uploadTrainingFile({ jobId: "race", jsonl: Array(10).fill(line).join("\n") }));
  await waitFor(() => provider.fileState(fileId), (s) => s.status === "processed");
});
afterAll(async () => {
  await sandbox.close();
});

describe("cancel racing provider completion", () => {
  it(`${ITERATIONS} races: one winner, a clear answer for the loser, nothing left running`, async () => {
    const tally = { cancelWon: 0, completionWon: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const job = await makeJob(db(), { status: "running" });
      const providerJob = await provider.createJob({ jobId: job.id, fileId, model: "gpt-4o-mini-2024-07-18", parameters: null, suffix: null });
      await db().finetuningJob.update({ where: { id: job.id }, data: { finetuningJobId: providerJob.id } }); // the shared file stays: cleanup would delete it

      // The provider finishes the job while an operator cancels it and the worker polls.
      const [cancel] = await Promise.allSettled([
        cancelJob({ db: db(), provider, actor: operator, id: job.id }),
        // Jitter, so that either side wins some of the races.
        new Promise((resolve) => setTimeout(resolve, Math.random() * 12)).then(() => sandbox.completeJob(providerJob.id)).catch(() => null),
        advanceJob({ db: db(), provider, jobId: job.id, pollSeconds: 0 }),
      ]);
      await advanceJob({ db: db(), provider, jobId: job.id, pollSeconds: 0 }); // the worker's next look

      const final = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
      const there = sandbox.jobs().find((j) => j.id === providerJob.id);
      const terminal = (await eventsOf(db(), job.id)).filter((e) => e.toStatus === "succeeded" || e.toStatus === "cancelled" || e.toStatus === "failed");
      expect(terminal).toHaveLength(1);
      expect(there?.status).toBe(final.status); // our record agrees with the provider
      if (cancel.status === "fulfilled") {
        tally.cancelWon++;
        expect(final.status).toBe("cancelled");
        expect(final.modelId).toBeNull();
      } else {
        tally.completionWon++;
        expect(cancel.reason).toMatchObject({ code: "CONFLICT" });
        expect(final.status).toBe("succeeded");
        expect(final.modelId).toBe(there?.fine_tuned_model);
      }
    }
    console.log(`cancel won ${tally.cancelWon}, completion won ${tally.completionWon} of ${ITERATIONS}`);
    expect(tally.cancelWon + tally.completionWon).toBe(ITERATIONS);
    expect(tally.cancelWon).toBeGreaterThan(0); // both orders really happened
    expect(tally.completionWon).toBeGreaterThan(0);
  });
});
