import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { cancelJob } from "../../server/finetuning/cancel";
import { transitionJob } from "../../server/finetuning/transitions";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { callerAs } from "../helpers/callers";
import { eventsOf, makeJob } from "../helpers/factories";
import { sandboxProvider, uploadProcessedFile } from "../helpers/provider";

let sandbox: Sandbox;
let provider: FinetuningProvider;
const operator = { kind: "api_key", id: "k", name: "racer", role: "operator" } as const;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ runningMs: Infinity }));
});
afterAll(async () => {
  await sandbox.close();
});

describe("exactly one transition", () => {
  it("100 concurrent cancels of one job: 100 successes, one transition, one event", async () => {
    const job = await makeJob(db(), { status: "running" });
    const caller = await callerAs("operator", provider);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => caller.finetuning.cancel({ finetuning_id: job.id })));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const statuses = new Set(results.map((r) => (r.status === "fulfilled" ? r.value.status : "x")));
    expect([...statuses]).toEqual(["cancelled"]);
    const events = await eventsOf(db(), job.id);
    expect(events.filter((e) => e.toStatus === "cancelled")).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it("concurrent cancels of a job with a provider job make at most one provider cancel call", async () => {
    const fileId = await uploadProcessedFile(provider);
    const providerJob = await provider.createJob({
      jobId: crypto.randomUUID(),
      fileId,
      model: "gpt-4o-mini-2024-07-18",
      parameters: null,
      suffix: null,
    });
    const job = await makeJob(db(), { status: "validating_files", finetuningJobId: providerJob.id, finetuningFileId: fileId });
    const before = sandbox.stats().byRoute["POST /v1/fine_tuning/jobs/{id}/cancel"] ?? 0;

    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => cancelJob({ db: db(), provider, actor: operator, id: job.id })),
    );

    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const calls = (sandbox.stats().byRoute["POST /v1/fine_tuning/jobs/{id}/cancel"] ?? 0) - before;
    expect(calls).toBe(1);
    expect((await eventsOf(db(), job.id)).filter((e) => e.toStatus === "cancelled")).toHaveLength(1);
    expect((await sandbox.jobs()).find((j) => j.id === providerJob.id)?.status).toBe("cancelled");
  });
});

describe("no lost updates: cancel racing completion", () => {
  it("200 races: a terminal status never changes and the loser gets a clear answer", async () => {
    const outcomes = { cancelWon: 0, completionWon: 0 };
    for (let i = 0; i < 200; i++) {
      const job = await makeJob(db(), { status: "running" });
      const [cancel, completion] = await Promise.allSettled([
        cancelJob({ db: db(), provider, actor: operator, id: job.id }),
        transitionJob({ db: db(), id: job.id, from: ["running"], to: "succeeded", actor: "worker", patch: { modelId: "ft:model" } }),
      ]);
      if (completion.status === "rejected") throw completion.reason;
      const final = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
      const terminalEvents = (await eventsOf(db(), job.id)).filter((e) => e.toStatus === "cancelled" || e.toStatus === "succeeded");
      expect(terminalEvents).toHaveLength(1);
      if (cancel.status === "fulfilled") {
        outcomes.cancelWon++;
        expect(completion.value).toBeNull(); // the worker stands down
        expect(final.status).toBe("cancelled");
        expect(final.modelId).toBeNull();
      } else {
        outcomes.completionWon++;
        expect(cancel.reason).toMatchObject({ code: "CONFLICT" });
        expect(final.status).toBe("succeeded");
        expect(final.modelId).toBe("ft:model");
      }
      // A terminal status never changes again, whoever tries.
      const retry = cancelJob({ db: db(), provider, actor: operator, id: job.id });
      if (final.status === "cancelled") await expect(retry).resolves.toMatchObject({ status: "cancelled" });
      else await expect(retry).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(transitionJob({ db: db(), id: job.id, from: ["running"], to: "failed", actor: "worker" })).resolves.toBeNull();
      expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe(final.status);
    }
    expect(outcomes.cancelWon + outcomes.completionWon).toBe(200);
  });
});
