import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { parseWireJob } from "../../server/finetuning/job-row";
import { CANCELLED_BY_USER_ERROR } from "../../server/finetuning/schema";
import { currentCallPriority } from "../../server/provider/budget";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { callerAs } from "../helpers/callers";
import { eventsOf, makeJob } from "../helpers/factories";
import { sandboxProvider, unreachableProvider, uploadProcessedFile } from "../helpers/provider";

let sandbox: Sandbox;
let provider: FinetuningProvider;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ runningMs: Infinity }));
});
afterAll(async () => {
  await sandbox.close();
});

/** A job made at the sandbox through the provider module, as the worker makes one. */
async function sandboxJob() {
  const fileId = await uploadProcessedFile(provider);
  return provider.createJob({ jobId: crypto.randomUUID(), fileId, model: "gpt-4o-mini-2024-07-18", parameters: null, suffix: null });
}

describe("finetuning.cancel: the contract's table", () => {
  it("answers NOT_FOUND for an unknown job", async () => {
    const caller = await callerAs("operator", provider);
    await expect(caller.finetuning.cancel({ finetuning_id: "0197a0b0-0000-7000-8000-000000000000" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it.each(["queued", "validating_files", "running"] as const)("cancels a %s job, merging the request metadata", async (status) => {
    const job = await makeJob(db(), { status, metadata: { team: "search" } });
    const caller = await callerAs("operator", provider);
    const result = await caller.finetuning.cancel({ finetuning_id: job.id, metadata: { reason: "wrong data" } });
    expect(parseWireJob(result)).toMatchObject({
      id: job.id,
      status: "cancelled",
      error: CANCELLED_BY_USER_ERROR,
      metadata: { team: "search", reason: "wrong data" },
    });
    expect(result.cancelled_at).not.toBeNull();
    const events = await eventsOf(db(), job.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ fromStatus: status, toStatus: "cancelled", actor: "api_key:test-operator" });
    expect(events[0]?.reason).toContain("wrong data");
  });

  it("returns an already cancelled job unchanged (safe to retry)", async () => {
    const job = await makeJob(db(), { status: "running" });
    const caller = await callerAs("operator", provider);
    const first = await caller.finetuning.cancel({ finetuning_id: job.id });
    const again = await caller.finetuning.cancel({ finetuning_id: job.id, metadata: { late: "yes" } });
    expect(again).toEqual(first);
    expect(await eventsOf(db(), job.id)).toHaveLength(1);
  });

  it.each(["succeeded", "failed"] as const)("answers CONFLICT naming the job for a %s job", async (status) => {
    const job = await makeJob(db(), { status });
    const caller = await callerAs("operator", provider);
    const error = await caller.finetuning.cancel({ finetuning_id: job.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFLICT" });
    expect(String((error as Error).message)).toContain(job.id);
    expect(String((error as Error).message)).toContain(status);
    const after = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(after.status).toBe(status);
  });

  it("a cancel OpenAI confirms at once records its status word, not the last one polled", async () => {
    const providerJob = await sandboxJob();
    const job = await makeJob(db(), { status: "running", finetuningJobId: providerJob.id });
    await db().finetuningJob.update({ where: { id: job.id }, data: { providerStatus: "running" } }); // as the worker last saw it
    const caller = await callerAs("operator", provider);
    const result = await caller.finetuning.cancel({ finetuning_id: job.id });
    expect(result).toMatchObject({ status: "cancelled", provider_status: "cancelled" });
    expect((await caller.finetuning.get({ finetuning_id: job.id })).provider_status).toBe("cancelled");
  });

  it("asks the provider as an action: ahead of the worker's reads in the provider's budget", async () => {
    const providerJob = await sandboxJob();
    const job = await makeJob(db(), { status: "running", finetuningJobId: providerJob.id });
    const seen: string[] = [];
    const watching: FinetuningProvider = {
      ...provider,
      cancelJob: (id) => {
        seen.push(currentCallPriority());
        return provider.cancelJob(id);
      },
    };
    const caller = await callerAs("operator", watching);
    await caller.finetuning.cancel({ finetuning_id: job.id });
    expect(seen).toEqual(["action"]);
  });

  it("answers BAD_GATEWAY and changes nothing when the provider is unreachable", async () => {
    const job = await makeJob(db(), { status: "running", finetuningJobId: `ftjob-unreachable-${Date.now()}` });
    const before = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    const caller = await callerAs("operator", unreachableProvider());
    await expect(caller.finetuning.cancel({ finetuning_id: job.id })).rejects.toMatchObject({ code: "BAD_GATEWAY" });
    const after = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(after).toEqual(before);
    expect(await eventsOf(db(), job.id)).toHaveLength(0);
  });

  it("answers BAD_GATEWAY when the provider keeps answering 503, and the retry then succeeds", async () => {
    const providerJob = await sandboxJob();
    const job = await makeJob(db(), { status: "validating_files", finetuningJobId: providerJob.id });
    sandbox.addFault({ route: "POST /v1/fine_tuning/jobs/*/cancel", fault: { kind: "status", status: 503 }, times: 1_000 });
    const caller = await callerAs("operator", provider);
    await expect(caller.finetuning.cancel({ finetuning_id: job.id })).rejects.toMatchObject({ code: "BAD_GATEWAY" });
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("validating_files");
    sandbox.clearFaults();
    const result = await caller.finetuning.cancel({ finetuning_id: job.id });
    expect(result.status).toBe("cancelled");
    expect((await sandbox.jobs()).find((j) => j.id === providerJob.id)?.status).toBe("cancelled");
  });
});
