import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { processGroup } from "../helpers/processes";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { providerFor, uploadProcessedFile } from "../helpers/provider";
import { waitFor } from "../helpers/worker";

// Guardrails survive a worker SIGKILL: the real worker process (`npm run
// worker`) trips a guardrail whose cancel cannot reach the provider, is
// killed, and the next worker carries the cancel out — once.
let sandbox: Sandbox;
let databaseUrl: string;
const processes = processGroup();

const startWorkerProcess = () =>
  processes.start("scripts/worker.ts", {
    DATABASE_URL: databaseUrl,
    OPENAI_API_KEY: sandbox.apiKey,
    OPENAI_BASE_URL: sandbox.url,
    WORKER_POLL_MS: "500",
  });
const stopWorkerProcess = processes.stop;

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  sandbox = await startSandbox({ timings: { fileProcessingMs: 50, validatingMs: 50, queuedMs: 50, runningMs: Infinity } });
});
afterAll(async () => {
  await processes.stopAll();
  await sandbox.close();
});

describe("guardrails and a killed worker", () => {
  it("a guardrail tripped before the kill is carried out by the next worker, one trip and one transition", async () => {
    const { db } = await import("../../server/db");
    const { makeJob } = await import("../helpers/factories");
    const provider = providerFor(sandbox);
    const fileId = await uploadProcessedFile(provider);
    const providerJob = await provider.createJob({
      jobId: crypto.randomUUID(),
      fileId,
      model: "gpt-4o-mini-2024-07-18",
      parameters: null,
      suffix: null,
    });
    await waitFor(
      () => provider.retrieveJob(providerJob.id),
      (j) => j.status === "running",
    );
    const job = await makeJob(db(), { status: "running", finetuningJobId: providerJob.id, finetuningFileId: fileId });
    await db().finetuningJob.update({
      where: { id: job.id },
      data: { guardrails: { max_runtime_seconds: { limit: 1, action: "cancel" } } },
    });

    // The provider refuses every cancel: the trip is recorded, its cancel stays pending.
    sandbox.addFault({ route: "POST /v1/fine_tuning/jobs/*/cancel", fault: { kind: "status", status: 503 }, times: 100_000 });
    const first = startWorkerProcess();
    await waitFor(
      () => db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } }),
      (r) => (r.guardrailTrips as Record<string, { outcome: string }> | null)?.max_runtime_seconds?.outcome === "pending",
      60_000,
    );
    await stopWorkerProcess(first, "SIGKILL");
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");

    sandbox.clearFaults();
    startWorkerProcess();
    // A cancel killed mid-call leaves its claim, which another may take over after a minute (server/finetuning/cancel.ts).
    const done = await waitFor(
      () => db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } }),
      (r) => r.status === "cancelled",
      120_000,
    );
    expect(done.error).toMatch(/^Cancelled by guardrail max_runtime: running \d+s > 1s$/);
    expect((await provider.retrieveJob(providerJob.id)).status).toBe("cancelled");
    const events = await db().jobEvent.findMany({ where: { jobId: job.id } });
    expect(events.filter((e) => e.kind === "guardrail_triggered")).toHaveLength(1);
    expect(events.filter((e) => e.kind === "status_change")).toEqual([
      expect.objectContaining({ toStatus: "cancelled", actor: "guardrail" }),
    ]);
  }, 240_000);
});
