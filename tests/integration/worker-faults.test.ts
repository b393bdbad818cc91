import "../helpers/env";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { createOpenAIProvider } from "../../server/provider/openai";
import type { Fault, Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { makeConnection, makeJob } from "../helpers/factories";
import { sandboxProvider } from "../helpers/provider";
import { driveJob } from "../helpers/worker";

let sandbox: Sandbox;
let provider: FinetuningProvider;

beforeAll(async () => {
  ({ sandbox } = await sandboxProvider());
  // A short timeout, so that a slow answer is a timeout; a deadline that outlasts a retry-after of 1 s.
  provider = createOpenAIProvider({ apiKey: sandbox.apiKey, baseURL: sandbox.url, timeoutMs: 300, deadlineMs: 4_000 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  sandbox.clearFaults();
  await sandbox.setTimings({ fileProcessingMs: 20, validatingMs: 20, queuedMs: 20, runningMs: 100 });
});

const CREATE = "POST /v1/fine_tuning/jobs";
const RETRIEVE = "GET /v1/fine_tuning/jobs/*";
const UPLOAD = "POST /v1/files";
const LIST = "GET /v1/fine_tuning/jobs";

describe("provider faults: each ends in the right state, never with a duplicate provider job", () => {
  it.each<[string, string, Fault, number]>([
    ["5xx on create", CREATE, { kind: "status", status: 500 }, 2],
    ["503 on upload", UPLOAD, { kind: "status", status: 503 }, 2],
    ["429 with retry-after on retrieve", RETRIEVE, { kind: "rate_limit", retryAfterSeconds: 1 }, 2],
    ["an answer slower than the timeout on create", CREATE, { kind: "slow", delayMs: 800 }, 1],
    ["a dropped connection on create (nothing happened)", CREATE, { kind: "drop" }, 1],
    ["a dropped connection on create after the job was made", CREATE, { kind: "drop_after_effect" }, 1],
  ])("%s", async (_name, route, fault, times) => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const job = await makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    sandbox.addFault({ route, fault, times });

    await driveJob({ db: db(), provider, jobId: job.id, timeoutMs: 20_000 });

    const done = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.status).toBe("succeeded");
    expect(done.modelId).not.toBeNull();
    const made = (await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === job.id);
    expect(made).toHaveLength(1);
    expect(made[0]?.id).toBe(done.finetuningJobId);
    expect(sandbox.pendingFaults()).toEqual([]); // every injected fault was really hit
  });
});

describe("an unanswered create", () => {
  /** A job whose file is at the provider, processed: its next step creates the provider job. */
  async function readyToCreate() {
    const { advanceJob } = await import("../../server/worker/advance");
    const { uploadProcessedFile } = await import("../helpers/provider");
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const fileId = await uploadProcessedFile(provider);
    const job = await makeJob(db(), {
      dbConnectionId: connection.id,
      goldenRecordIds,
      status: "validating_files",
      finetuningFileId: fileId,
    });
    const step = () => advanceJob({ db: db(), provider, jobId: job.id, pollSeconds: 0, createSettleMs: 5_000 });
    return { job, step };
  }

  it("a first ask is one request: no look-up before it, since no earlier ask can have made the job", async () => {
    const { job, step } = await readyToCreate();
    const count = (route: string) => sandbox.stats().byRoute[route] ?? 0;
    const [creates, lists] = [count(CREATE), count(LIST)];
    await step();
    expect(count(CREATE) - creates).toBe(1);
    expect(count(LIST) - lists).toBe(0);
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).finetuningJobId).toMatch(/^ftjob-/);
  });

  it("two steps that read the same job at once ask once: the other waits to look it up", async () => {
    const { job, step } = await readyToCreate();
    const before = sandbox.stats().byRoute[CREATE] ?? 0;
    const results = await Promise.all([step(), step()]);
    expect((sandbox.stats().byRoute[CREATE] ?? 0) - before).toBe(1);
    expect(results).toContainEqual({ next: "later", seconds: 1 });
    expect((await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === job.id)).toHaveLength(1);
  });

  it("is not repeated while it may still land: the next steps only look it up", async () => {
    const { job, step } = await readyToCreate();
    const creates = () => sandbox.stats().byRoute[CREATE] ?? 0;
    const before = creates();
    sandbox.addFault({ route: CREATE, fault: { kind: "slow", delayMs: 800 } }); // lands after our 300 ms timeout

    await expect(step()).rejects.toThrow(); // timed out: unclear whether it was made
    await expect(step()).resolves.toEqual({ next: "later", seconds: 1 }); // not found yet, and not asked again
    await new Promise((resolve) => setTimeout(resolve, 800));
    // The late create is found and recorded; its first read waits behind other jobs' creates.
    await expect(step()).resolves.toEqual({ next: "later", seconds: expect.any(Number) });
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).finetuningJobId).toMatch(/^ftjob-/);
    expect(creates() - before).toBe(1);
    expect((await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === job.id)).toHaveLength(1);
  });
});
