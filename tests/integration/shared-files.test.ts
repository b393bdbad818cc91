import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { sleep } from "../helpers/worker";

// Jobs over the same golden records share their files at the provider: one
// upload for all of them, kept while any job uses it, deleted with the last.
// Real worker steps, real sandbox, real database.
let sandbox: Sandbox;
let provider: FinetuningProvider;

beforeAll(async () => {
  await useIsolatedDatabase();
  const { sandboxProvider } = await import("../helpers/provider");
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 20, validatingMs: 20, queuedMs: 20, runningMs: 600_000 }));
});
afterAll(async () => {
  await sandbox?.close();
});

/** Takes a job's steps until its provider job exists. */
async function untilCreated(jobId: string): Promise<void> {
  const { db } = await import("../../server/db");
  const { advanceJob } = await import("../../server/worker/advance");
  for (let i = 0; i < 200; i++) {
    await advanceJob({ db: db(), provider, jobId, pollSeconds: 0, createSettleMs: 2_000 });
    const row = await db().finetuningJob.findUniqueOrThrow({ where: { id: jobId } });
    if (row.finetuningJobId) return;
    if (row.status === "failed") throw new Error(`job ${jobId} failed: ${row.error}`);
    await sleep(20);
  }
  throw new Error(`job ${jobId} was not created`);
}

async function cancelAndClean(jobId: string): Promise<void> {
  const { db } = await import("../../server/db");
  const { cancelJob } = await import("../../server/finetuning/cancel");
  const { cleanUpProviderSide } = await import("../../server/worker/advance");
  const operator = { kind: "api_key", id: "k", name: "sharer", role: "operator" } as const;
  await cancelJob({ db: db(), provider, actor: operator, id: jobId });
  await cleanUpProviderSide({ db: db(), provider, id: jobId });
}

describe("files shared by jobs over the same examples", () => {
  it("are uploaded once, kept while a job uses them, and deleted with the last; a later job uploads anew", async () => {
    const { db } = await import("../../server/db");
    const { makeConnection, makeJob } = await import("../helpers/factories");
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const newJob = () => makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    const [a, b, c] = [await newJob(), await newJob(), await newJob()];
    for (const job of [a, b, c]) await untilCreated(job.id);

    const rows = await db().finetuningJob.findMany({ where: { id: { in: [a.id, b.id, c.id] } } });
    const training = new Set(rows.map((r) => r.finetuningFileId));
    const validation = new Set(rows.map((r) => r.validationFileId));
    expect(training.size).toBe(1);
    expect(validation.size).toBe(1);
    const [trainingFile] = [...training] as [string];
    const [validationFile] = [...validation] as [string];
    // 12 records: 11 trained on, 1 held out. Two uploads for three jobs.
    expect((await sandbox.files()).filter((f) => !f.deleted)).toHaveLength(2);
    expect((await sandbox.jobs()).filter((j) => j.training_file === trainingFile)).toHaveLength(3);

    await cancelAndClean(a.id);
    await cancelAndClean(b.id);
    const live = async () => (await sandbox.files()).filter((f) => !f.deleted).map((f) => f.id);
    expect((await live()).sort()).toEqual([trainingFile, validationFile].sort()); // c still trains on them
    await cancelAndClean(c.id);
    expect(await live()).toEqual([]);

    const d = await newJob();
    await untilCreated(d.id);
    const after = await db().finetuningJob.findUniqueOrThrow({ where: { id: d.id } });
    expect(after.finetuningFileId).not.toBe(trainingFile);
    expect(await live()).toHaveLength(2);
  });

  it("a shared file deleted at the provider behind our back is replaced, not a failed job", async () => {
    const { db } = await import("../../server/db");
    const { makeConnection, makeJob } = await import("../helpers/factories");
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 13 });
    const first = await makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    await untilCreated(first.id);
    const { finetuningFileId: lost } = await db().finetuningJob.findUniqueOrThrow({ where: { id: first.id } });
    await provider.deleteFile(lost!);

    const second = await makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    await untilCreated(second.id);
    const row = await db().finetuningJob.findUniqueOrThrow({ where: { id: second.id } });
    expect(row.finetuningFileId).not.toBe(lost);
    expect((await sandbox.jobs()).find((j) => j.id === row.finetuningJobId)?.training_file).toBe(row.finetuningFileId);
  });
});
