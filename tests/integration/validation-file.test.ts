// The held-out validation file: a job with enough golden records trains on
// most of them and uploads the rest as the provider's validation file (OpenAI
// `validation_file`; Together `validation_file` + `n_evals`), so the provider
// reports validation loss; a job with too few to spare trains on them all.
import "../helpers/env";
import OpenAI from "openai";
import Together from "together-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { deleteJob } from "../../server/finetuning/service";
import { heldOutCount } from "../../server/finetuning/validation-split";
import type { Sandbox } from "../../server/provider/sandbox";
import { TOGETHER_EVALS_PER_EPOCH } from "../../server/provider/together";
import type { FinetuningProvider } from "../../server/provider/types";
import { makeConnection, makeJob } from "../helpers/factories";
import { sandboxProvider, togetherSandboxProvider } from "../helpers/provider";
import { driveJob, waitFor } from "../helpers/worker";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let together: Sandbox;
let togetherProvider: FinetuningProvider;
const operator = { kind: "api_key", id: "k", name: "validation-tester", role: "operator" } as const;
const TIMINGS = { fileProcessingMs: 20, validatingMs: 20, queuedMs: 20, runningMs: 600 };

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider(TIMINGS));
  ({ sandbox: together, provider: togetherProvider } = await togetherSandboxProvider({ ...TIMINGS, cancelConfirmMs: 0 }));
});
afterAll(async () => {
  await sandbox.close();
  await together.close();
});

const row = (id: string) => db().finetuningJob.findUniqueOrThrow({ where: { id } });
const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
const questions = (text: string) =>
  lines(text).map((l) => (JSON.parse(l) as { messages: Array<{ content: string }> }).messages[1]!.content);

async function trainedJob(goldenRecords: number, goldenRecordIds?: string[]) {
  const ids = goldenRecordIds ?? (await makeConnection(db(), { goldenRecords })).goldenRecordIds;
  const connection = await db().goldenRecord.findFirstOrThrow({ where: { id: ids[0]! }, select: { dbConnectionId: true } });
  const job = await makeJob(db(), { dbConnectionId: connection.dbConnectionId, goldenRecordIds: ids, alias: "validation" });
  await driveJob({ db: db(), provider, jobId: job.id });
  return { job: await row(job.id), goldenRecordIds: ids };
}

describe("the held-out share", () => {
  it("is a tenth, rounded down, at least one, only while 10 stay to train on", () => {
    expect([1, 10, 11, 12, 19, 20, 25, 100, 1_000].map(heldOutCount)).toEqual([0, 0, 1, 1, 1, 2, 2, 10, 100]);
  });
});

describe("OpenAI", () => {
  const client = () => new OpenAI({ apiKey: sandbox.apiKey, baseURL: sandbox.url, maxRetries: 0 });
  const content = async (fileId: string) => (await client().files.content(fileId)).text();

  it("uploads 11 examples to train on and 1 to validate on, creates the job with both, and reports validation loss", async () => {
    const { job } = await trainedJob(12);
    expect(job.status).toBe("succeeded");
    expect(job.validationFileId).not.toBeNull();
    const training = await content(job.finetuningFileId!);
    const validation = await content(job.validationFileId!);
    expect(lines(training)).toHaveLength(11);
    expect(lines(validation)).toHaveLength(1);
    expect(questions(training)).not.toContain(questions(validation)[0]);
    const files = (await sandbox.files()).filter((f) => f.filename.includes(job.id)).map((f) => f.filename);
    expect(files.sort()).toEqual([`controlroom-${job.id}-validation.jsonl`, `controlroom-${job.id}.jsonl`]);

    const atProvider = await client().fineTuning.jobs.retrieve(job.finetuningJobId!);
    expect(atProvider.validation_file).toBe(job.validationFileId);
    const validSteps = await db().jobMetric.count({ where: { jobId: job.id, validLoss: { not: null } } });
    expect(validSteps).toBeGreaterThan(0);
    expect(job.totalSteps).toBe(11); // n_epochs 1, batch 1: the 11 examples trained on

    // Deleting the job cleans up both files at the provider.
    await deleteJob({ db: db(), provider, actor: operator, id: job.id });
    await driveJob({ db: db(), provider, jobId: job.id });
    for (const fileId of [job.finetuningFileId!, job.validationFileId!]) {
      await waitFor(
        async () => (await sandbox.files()).find((f) => f.id === fileId)?.deleted,
        (deleted) => deleted === true,
      );
    }
  });

  it("holds out the same records for every job on the same records (a sweep's runs validate alike)", async () => {
    const first = await trainedJob(25);
    const second = await trainedJob(25, [...first.goldenRecordIds].reverse());
    const held = async (fileId: string | null) => questions(await content(fileId!));
    expect(await held(first.job.validationFileId)).toHaveLength(2);
    expect(await held(second.job.validationFileId)).toEqual(await held(first.job.validationFileId));
  });

  it("trains on all of 10 golden records, with no validation file and no validation loss", async () => {
    const { job } = await trainedJob(10);
    expect(job.status).toBe("succeeded");
    expect(job.validationFileId).toBeNull();
    expect((await sandbox.files()).filter((f) => f.filename.includes(job.id))).toHaveLength(1);
    expect(await db().jobMetric.count({ where: { jobId: job.id, validLoss: { not: null } } })).toBe(0);
  });
});

describe("Together AI", () => {
  it("creates the job with validation_file and n_evals, and its metrics carry validation loss", async () => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const created = await db().finetuningJob.create({
      data: {
        dbConnectionId: connection.id,
        modelProvider: "together",
        modelName: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
        modelParameters: { n_epochs: 2, batch_size: 1 },
        goldenRecordIds,
      },
    });
    await driveJob({ db: db(), provider: togetherProvider, jobId: created.id });
    const job = await row(created.id);
    expect(job.status).toBe("succeeded");
    expect(job.validationFileId).not.toBeNull();

    const sdk = new Together({ apiKey: together.apiKey, baseURL: together.url, maxRetries: 0 });
    const atTogether = await sdk.fineTuning.retrieve(job.finetuningJobId!);
    expect(atTogether.validation_file).toBe(job.validationFileId);
    expect(atTogether.n_evals).toBe(TOGETHER_EVALS_PER_EPOCH * 2);
    // Evaluated n_evals times, evenly spaced over the 22 steps.
    const evaluated = await db().jobMetric.findMany({
      where: { jobId: job.id, validLoss: { not: null } },
      select: { step: true },
      orderBy: { step: "asc" },
    });
    expect(evaluated).toHaveLength(TOGETHER_EVALS_PER_EPOCH * 2);
    expect(evaluated.map((m) => m.step).at(-1)).toBe(22);
  });
});
