import "../helpers/env";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { cancelJob } from "../../server/finetuning/cancel";
import { deleteJob } from "../../server/finetuning/service";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { advanceJob, cleanUpProviderSide } from "../../server/worker/advance";
import { eventsOf, makeConnection, makeJob } from "../helpers/factories";
import { sandboxProvider } from "../helpers/provider";
import { driveJob, waitFor } from "../helpers/worker";

let sandbox: Sandbox;
let provider: FinetuningProvider;
const operator = { kind: "api_key", id: "k", name: "stage-tester", role: "operator" } as const;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 50, validatingMs: 50, queuedMs: 50, runningMs: 200 }));
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  sandbox.clearFaults();
  await sandbox.setTimings({ fileProcessingMs: 50, validatingMs: 50, queuedMs: 50, runningMs: 200 });
});

async function newJob(goldenRecords = 12) {
  const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords });
  // Examples of its own: jobs over the same examples would share their files, and these tests follow one job's.
  await db()
    .$executeRaw`UPDATE golden_records SET question = question || ' (' || ${connection.id} || ')' WHERE db_connection_id = ${connection.id}::uuid`;
  return makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds, alias: "stage-test" });
}

const step = (jobId: string) => advanceJob({ db: db(), provider, jobId, pollSeconds: 0 });
const row = (id: string) => db().finetuningJob.findUniqueOrThrow({ where: { id } });
const providerJobsFor = async (jobId: string) => (await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === jobId);
const fileDeleted = (fileId: string) =>
  waitFor(
    async () => (await sandbox.files()).find((f) => f.id === fileId)?.deleted,
    (d) => d === true,
  );

/** Contract guarantee 2, asked of the sandbox itself. */
async function expectNothingLeftAtProvider(jobId: string) {
  const job = await row(jobId);
  expect(job.status).toBe("cancelled");
  await waitFor(
    async () => (await providerJobsFor(jobId)).map((j) => j.status),
    (statuses) => statuses.every((s) => s === "cancelled"),
  );
  // Its files go, unless another job still uses them (jobs over the same examples share a file).
  const usedElsewhere = async (fileId: string) =>
    (await db().finetuningJob.count({
      where: {
        id: { not: jobId },
        providerCleanedAt: null,
        OR: [{ finetuningFileId: fileId }, { validationFileId: fileId }],
        NOT: { status: { in: ["cancelled", "failed"] } },
        deletedAt: null,
      },
    })) > 0;
  const files = [
    job.finetuningFileId,
    job.validationFileId,
    ...(await sandbox.files()).filter((f) => f.filename.includes(jobId)).map((f) => f.id),
  ];
  for (const fileId of new Set(files)) if (fileId && !(await usedElsewhere(fileId))) await fileDeleted(fileId);
}

describe("the worker takes a job to the end", () => {
  it("runs the full lifecycle to succeeded with the model id, mirroring provider events", async () => {
    const job = await newJob();
    await driveJob({ db: db(), provider, jobId: job.id });
    const done = await row(job.id);
    expect(done.status).toBe("succeeded");
    expect(done.modelId).toMatch(/^ft:gpt-4o-mini/);
    const events = await eventsOf(db(), job.id);
    const path = events.filter((e) => e.kind === "status_change").map((e) => e.toStatus);
    expect(path[0]).toBe("validating_files");
    expect(path.at(-1)).toBe("succeeded");
    expect(path).toContain("running");
    expect(events.some((e) => e.kind === "provider_event")).toBe(true);
    expect(await providerJobsFor(job.id)).toHaveLength(1);
  });

  it("fails a job with fewer than 10 golden records with a clear error, uploading nothing", async () => {
    const job = await newJob(4);
    await driveJob({ db: db(), provider, jobId: job.id });
    const done = await row(job.id);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("at least 10 golden records");
    expect((await sandbox.files()).filter((f) => f.filename.includes(job.id))).toHaveLength(0);
  });
});

describe("cancel at every stage (guarantees 1 and 2)", () => {
  it("before upload: nothing is ever sent to the provider", async () => {
    const job = await newJob();
    await cancelJob({ db: db(), provider, actor: operator, id: job.id });
    await driveJob({ db: db(), provider, jobId: job.id });
    expect((await row(job.id)).status).toBe("cancelled");
    expect((await sandbox.files()).filter((f) => f.filename.includes(job.id))).toHaveLength(0);
    expect(await providerJobsFor(job.id)).toHaveLength(0);
  });

  it("during upload: the file that lands afterwards is deleted", async () => {
    const job = await newJob();
    sandbox.addFault({ route: "POST /v1/files", fault: { kind: "slow", delayMs: 400 } });
    const uploading = step(job.id);
    await waitFor(
      async () => (await row(job.id)).status,
      (s) => s === "validating_files",
    );
    await cancelJob({ db: db(), provider, actor: operator, id: job.id });
    await uploading;
    await driveJob({ db: db(), provider, jobId: job.id });
    expect(await providerJobsFor(job.id)).toHaveLength(0);
    await expectNothingLeftAtProvider(job.id);
    // The training file and the held-out validation file (12 golden records: 11 and 1), both deleted.
    expect((await sandbox.files()).filter((f) => f.filename.includes(job.id))).toHaveLength(2);
  });

  it("while the file is being validated", async () => {
    await sandbox.setTimings({ fileProcessingMs: 5_000 });
    const job = await newJob();
    await step(job.id);
    expect((await row(job.id)).finetuningFileId).not.toBeNull();
    await cancelJob({ db: db(), provider, actor: operator, id: job.id });
    await driveJob({ db: db(), provider, jobId: job.id });
    expect(await providerJobsFor(job.id)).toHaveLength(0);
    await expectNothingLeftAtProvider(job.id);
  });

  it.each([
    ["validating_files", { validatingMs: 60_000 }],
    ["queued", { validatingMs: 10, queuedMs: 60_000 }],
    ["running", { validatingMs: 10, queuedMs: 10, runningMs: 60_000 }],
  ] as const)("while the provider job is %s", async (stage, timings) => {
    await sandbox.setTimings(timings);
    const job = await newJob();
    await waitFor(
      async () => {
        await step(job.id);
        return (await providerJobsFor(job.id))[0]?.status;
      },
      (s) => s === stage,
    );
    const result = await cancelJob({ db: db(), provider, actor: operator, id: job.id });
    expect(result.status).toBe("cancelled");
    expect((await providerJobsFor(job.id)).map((j) => j.status)).toEqual(["cancelled"]);
    await driveJob({ db: db(), provider, jobId: job.id });
    await expectNothingLeftAtProvider(job.id);
  });

  // The cancel queues the clean-up step, which runs after the create step;
  // the sweep, though, may delete the training file while the create is in
  // flight. If the create lands first, the worker cancels the job it made; if
  // the deletion lands first, the provider refuses the create. Either way
  // nothing is left running.
  it.each([
    ["the create lands first: the worker cancels what it made", 1_000, 1],
    ["the sweep's file deletion lands first: the create is refused", 0, 0],
  ] as const)("while the worker is creating the provider job, %s", async (_name, deleteDelayMs, providerJobs) => {
    const job = await newJob();
    await step(job.id); // uploads the file
    const { finetuningFileId } = await row(job.id);
    await waitFor(
      async () => (await sandbox.files()).find((f) => f.id === finetuningFileId)?.status,
      (s) => s === "processed",
    );
    const creates = () => sandbox.stats().byRoute["POST /v1/fine_tuning/jobs"] ?? 0;
    const before = creates();
    sandbox.addFault({ route: "POST /v1/fine_tuning/jobs", fault: { kind: "slow", delayMs: 400 } });
    if (deleteDelayMs) sandbox.addFault({ route: "DELETE /v1/files/*", fault: { kind: "slow", delayMs: deleteDelayMs } });
    const creating = step(job.id);
    await waitFor(
      () => creates(),
      (n) => n > before,
    );
    await cancelJob({ db: db(), provider, actor: operator, id: job.id }); // no provider job recorded yet
    const sweep = cleanUpProviderSide({ db: db(), provider, id: job.id });
    await Promise.all([creating, sweep]);
    await driveJob({ db: db(), provider, jobId: job.id });
    expect(await providerJobsFor(job.id)).toHaveLength(providerJobs);
    await expectNothingLeftAtProvider(job.id);
  });
});

describe("delete (the contract: the provider's file is cleaned up)", () => {
  it("a succeeded job's training file is deleted by the worker's clean-up step", async () => {
    const job = await newJob();
    await driveJob({ db: db(), provider, jobId: job.id });
    const { status, finetuningFileId, error } = await row(job.id);
    expect(status, error ?? "").toBe("succeeded");
    expect((await sandbox.files()).find((f) => f.id === finetuningFileId)?.deleted).toBe(false);
    await deleteJob({ db: db(), provider, actor: operator, id: job.id });
    await driveJob({ db: db(), provider, jobId: job.id });
    if (finetuningFileId) await fileDeleted(finetuningFileId);
    expect((await row(job.id)).providerCleanedAt).not.toBeNull();
  });
});
