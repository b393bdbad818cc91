import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { processGroup } from "../helpers/processes";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { waitFor } from "../helpers/worker";

// The real worker process (`npm run worker`) on the real queue: it runs jobs
// to the end, and a worker killed mid-step leaves nothing broken behind.
let sandbox: Sandbox;
let databaseUrl: string;
const processes = processGroup();

const startWorkerProcess = () =>
  processes.start("scripts/worker.ts", {
    DATABASE_URL: databaseUrl,
    OPENAI_API_KEY: sandbox.apiKey,
    OPENAI_BASE_URL: sandbox.url,
    PROVIDER_TIMEOUT_MS: "5000",
    WORKER_POLL_MS: "500",
  });
const stopWorkerProcess = processes.stop;

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  sandbox = await startSandbox({ timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 1_000 } });
});
afterAll(async () => {
  await processes.stopAll();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox.close();
});

async function createJob(alias: string) {
  const { db } = await import("../../server/db");
  const { createJob: create } = await import("../../server/finetuning/service");
  const { makeConnection } = await import("../helpers/factories");
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  return create({ db: db(), actor: { kind: "system", name: "cli" }, input: { db_connection_id: connection.id, alias } });
}

async function statusOf(id: string) {
  const { db } = await import("../../server/db");
  return db().finetuningJob.findUniqueOrThrow({ where: { id }, select: { status: true, modelId: true, finetuningJobId: true } });
}

describe("the worker process", () => {
  it("takes a created job to succeeded through the durable queue", async () => {
    const worker = startWorkerProcess();
    const job = await createJob("queue-run");
    const done = await waitFor(
      () => statusOf(job.id),
      (j) => j.status === "succeeded",
      30_000,
    );
    expect(done.modelId).toMatch(/^ft:/);
    await stopWorkerProcess(worker, "SIGTERM");
  });

  it("killed with SIGKILL mid-step and restarted: the job carries on to the right end, with one provider job", async () => {
    const worker = startWorkerProcess();
    // The create request hangs for 2 s at the provider (and then takes effect), so the kill lands mid-step.
    sandbox.addFault({ route: "POST /v1/fine_tuning/jobs", fault: { kind: "slow", delayMs: 2_000 } });
    const before = sandbox.stats().byRoute["POST /v1/fine_tuning/jobs"] ?? 0;
    const job = await createJob("killed-mid-step");
    await waitFor(
      () => sandbox.stats().byRoute["POST /v1/fine_tuning/jobs"] ?? 0,
      (n) => n > before,
      30_000,
    );
    await stopWorkerProcess(worker, "SIGKILL");

    startWorkerProcess();
    const done = await waitFor(
      () => statusOf(job.id),
      (j) => j.status === "succeeded",
      90_000,
    );
    const made = (await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === job.id);
    expect(made).toHaveLength(1);
    expect(made[0]?.id).toBe(done.finetuningJobId);
    expect(
      (await sandbox.jobs()).filter((j) => j.status === "running" || j.status === "queued" || j.status === "validating_files"),
    ).toEqual([]);
  }, 120_000);
});
