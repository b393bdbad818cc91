import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { parseWireJob } from "../../server/finetuning/job-row";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";
import { callerAs } from "../helpers/callers";
import { eventsOf, makeJob } from "../helpers/factories";
import { sandboxProvider } from "../helpers/provider";
import { makeTrainingJob } from "../helpers/training";
import { waitFor } from "../helpers/worker";

let sandbox: Sandbox;
let provider: FinetuningProvider;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ runningMs: Infinity }));
});
afterAll(async () => {
  await sandbox.close();
});

const statusChanges = async (id: string) => (await eventsOf(db(), id)).filter((e) => e.kind === "status_change");

describe("finetuning.pause and finetuning.resume at each stage", () => {
  it.each(["queued", "validating_files"] as const)("refuses to pause a %s job with no provider job yet: a clear 409", async (status) => {
    const job = await makeJob(db(), { status });
    const caller = await callerAs("operator", provider);
    const error = await caller.finetuning.pause({ finetuning_id: job.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFLICT" });
    expect((error as Error).message).toContain("has not started training at the provider yet");
    expect(await eventsOf(db(), job.id)).toHaveLength(0);
  });

  it.each(["succeeded", "failed", "cancelled"] as const)("refuses to pause or resume a %s job", async (status) => {
    const job = await makeJob(db(), { status });
    const caller = await callerAs("operator", provider);
    await expect(caller.finetuning.pause({ finetuning_id: job.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(status) as unknown,
    });
    await expect(caller.finetuning.resume({ finetuning_id: job.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses to resume a queued job, and answers NOT_FOUND for an unknown one", async () => {
    const job = await makeJob(db(), { status: "queued" });
    const caller = await callerAs("operator", provider);
    await expect(caller.finetuning.resume({ finetuning_id: job.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("only a pausing or paused job") as unknown,
    });
    await expect(caller.finetuning.pause({ finetuning_id: "0197a0b0-0000-7000-8000-000000000000" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("a viewer cannot pause", async () => {
    const { job } = await makeTrainingJob(provider);
    const viewer = await callerAs("viewer", provider);
    await expect(viewer.finetuning.pause({ finetuning_id: job.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("pauses a running job at the provider, audited with who and why; again is a no-op; resume brings it back", async () => {
    const { job, providerJobId } = await makeTrainingJob(provider);
    const caller = await callerAs("operator", provider);
    const paused = parseWireJob(await caller.finetuning.pause({ finetuning_id: job.id, reason: "loss looks flat" }));
    expect(["pausing", "paused"]).toContain(paused.status);
    expect(["pausing", "paused"]).toContain((await provider.retrieveJob(providerJobId)).status);
    const again = await caller.finetuning.pause({ finetuning_id: job.id });
    expect(again.status).toBe(paused.status);
    const events = await statusChanges(job.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      fromStatus: "running",
      toStatus: paused.status,
      actor: "api_key:test-operator",
      reason: "loss looks flat",
    });

    const resumed = await caller.finetuning.resume({ finetuning_id: job.id });
    expect(["running", "queued"]).toContain(resumed.status);
    expect(["running", "queued"]).toContain((await provider.retrieveJob(providerJobId)).status);
    expect(await caller.finetuning.resume({ finetuning_id: job.id })).toMatchObject({ status: resumed.status });
    const after = await statusChanges(job.id);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ fromStatus: paused.status, toStatus: resumed.status, reason: "resumed" });
  });

  it("cancels a paused job, at the provider too", async () => {
    const { job, providerJobId } = await makeTrainingJob(provider);
    const caller = await callerAs("operator", provider);
    await caller.finetuning.pause({ finetuning_id: job.id });
    const cancelled = await caller.finetuning.cancel({ finetuning_id: job.id });
    expect(cancelled.status).toBe("cancelled");
    expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");
  });

  it("the worker follows a job paused and resumed at the provider", async () => {
    const { job, providerJobId } = await makeTrainingJob(provider);
    await provider.pauseJob(providerJobId);
    const step = () => advanceJob({ db: db(), provider, jobId: job.id, pollSeconds: 0 });
    await waitFor(
      async () => (await step(), (await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status),
      (s) => s === "paused",
    );
    await provider.resumeJob(providerJobId);
    await waitFor(
      async () => (await step(), (await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status),
      (s) => s === "running",
    );
    const events = await statusChanges(job.id);
    expect(events.map((e) => e.toStatus).filter((s) => s !== "pausing")).toEqual(["paused", "running"]);
    expect(events.every((e) => e.actor === "worker")).toBe(true);
  });
});

describe("racing: one transition each", () => {
  it("20 concurrent pauses: all answer the paused job, one transition", async () => {
    const { job } = await makeTrainingJob(provider);
    const caller = await callerAs("operator", provider);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => caller.finetuning.pause({ finetuning_id: job.id })));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await statusChanges(job.id)).toHaveLength(1);
  });

  it("pauses and resumes racing each other: every change is one audited transition, and the job ends where the provider is", async () => {
    const { job, providerJobId } = await makeTrainingJob(provider);
    const caller = await callerAs("operator", provider);
    await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? caller.finetuning.pause({ finetuning_id: job.id }) : caller.finetuning.resume({ finetuning_id: job.id }),
      ),
    );
    const events = await statusChanges(job.id);
    // Each event moves from where the previous one left the job: no change is lost or doubled.
    let status: string = "running";
    for (const e of events) {
      expect(e.fromStatus).toBe(status);
      expect(e.toStatus).not.toBe(e.fromStatus);
      status = e.toStatus ?? status;
    }
    // The worker then brings it to the provider's side of paused or not.
    await advanceJob({ db: db(), provider, jobId: job.id, pollSeconds: 0 });
    const local = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    const there = await provider.retrieveJob(providerJobId);
    const paused = ["pausing", "paused"];
    expect(paused.includes(local.status)).toBe(paused.includes(there.status));
  });

  it("pauses racing a cancel: the job ends cancelled, with one cancel transition and nothing after it", async () => {
    const { job, providerJobId } = await makeTrainingJob(provider);
    const caller = await callerAs("operator", provider);
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => caller.finetuning.pause({ finetuning_id: job.id })),
      caller.finetuning.cancel({ finetuning_id: job.id }),
      ...Array.from({ length: 5 }, () => caller.finetuning.resume({ finetuning_id: job.id })),
    ]);
    expect(results[5]).toMatchObject({ status: "fulfilled", value: { status: "cancelled" } });
    const events = await statusChanges(job.id);
    expect(events.filter((e) => e.toStatus === "cancelled")).toHaveLength(1);
    expect(events.at(-1)?.toStatus).toBe("cancelled");
    expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
  });
});
