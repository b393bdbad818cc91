import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { waitFor } from "../helpers/worker";

// The real worker process (`npm run worker`) on the real queue: it runs jobs
// to the end, and a worker killed mid-step leaves nothing broken behind.
const ROOT = path.resolve(import.meta.dirname, "../..");
let sandbox: Sandbox;
let databaseUrl: string;
const workers: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, OPENAI_API_KEY: "sk-sandbox", OPENAI_BASE_URL: sandbox.url, PROVIDER_TIMEOUT_MS: "5000", WORKER_POLL_MS: "500" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`));
  workers.push(child);
  return child;
}

async function stopWorkerProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  sandbox = await startSandbox({ timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 1_000 } });
});
afterAll(async () => {
  for (const child of workers) await stopWorkerProcess(child, "SIGTERM");
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox.close();
});

async function createJob(alias: string) {
  const { db } = await import("../../server/db");
  const { createJob: create } = await import("../../server/finetuning/service");
  const { enqueueRun } = await import("../../server/worker/queue");
  const { makeConnection } = await import("../helpers/factories");
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  return create({ db: db(), actor: { kind: "system", name: "cli" }, input: { db_connection_id: connection.id, alias }, enqueueRun });
}

async function statusOf(id: string) {
  const { db } = await import("../../server/db");
  return db().finetuningJob.findUniqueOrThrow({ where: { id }, select: { status: true, modelId: true, finetuningJobId: true } });
}

describe("the worker process", () => {
  it("takes a created job to succeeded through the durable queue", async () => {
    const worker = startWorkerProcess();
    const job = await createJob("queue-run");
    const done = await waitFor(() => statusOf(job.id), (j) => j.status === "succeeded", 30_000);
    expect(done.modelId).toMatch(/^ft:/);
    await stopWorkerProcess(worker, "SIGTERM");
  });

  it("killed with SIGKILL mid-step and restarted: the job carries on to the right end, with one provider job", async () => {
    const worker = startWorkerProcess();
    // The create request hangs for 2 s at the provider (and then takes effect), so the kill lands mid-step.
    sandbox.addFault({ route: "POST /v1/fine_tuning/jobs", fault: { kind: "slow", delayMs: 2_000 } });
    const before = sandbox.stats().byRoute["POST /v1/fine_tuning/jobs"] ?? 0;
    const job = await createJob("killed-mid-step");
    await waitFor(() => sandbox.stats().byRoute["POST /v1/fine_tuning/jobs"] ?? 0, (n) => n > before, 30_000);
    await stopWorkerProcess(worker, "SIGKILL");

    startWorkerProcess();
    const done = await waitFor(() => statusOf(job.id), (j) => j.status === "succeeded", 90_000);
    const made = (await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === job.id);
    expect(made).toHaveLength(1);
    expect(made[0]?.id).toBe(done.finetuningJobId);
    expect((await sandbox.jobs()).filter((j) => j.status === "running" || j.status === "queued" || j.status === "validating_files")).toEqual([]);
  }, 120_000);
});
