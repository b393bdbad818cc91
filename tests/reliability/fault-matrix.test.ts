import { afterAll, beforeAll, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { startSandbox, type Fault, type Sandbox } from "../../server/provider/sandbox";
import { sleep, waitFor } from "../helpers/worker";
import { ScenarioReport, errorCode } from "./report";

// Creates and cancels through the API while the provider answers 5xx, 429 with
// retry-after, slower than the timeout, or drops connections (before or after
// acting). Every job must end in a correct state with no duplicate and no
// orphaned provider job.
let sandbox: Sandbox;
const stops: Array<() => Promise<void>> = [];

const ROUTES = [
  "POST /v1/files",
  "GET /v1/files/*",
  "DELETE /v1/files/*",
  "POST /v1/fine_tuning/jobs",
  "GET /v1/fine_tuning/jobs",
  "GET /v1/fine_tuning/jobs/*",
  "POST /v1/fine_tuning/jobs/*/cancel",
  "GET /v1/fine_tuning/jobs/*/events",
];
const FAULTS: Fault[] = [
  { kind: "status", status: 500 },
  { kind: "status", status: 503 },
  { kind: "rate_limit", retryAfterSeconds: 1 },
  { kind: "slow", delayMs: 1_500 },
  { kind: "drop" },
  { kind: "drop_after_effect" },
];
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

beforeAll(async () => {
  await useIsolatedDatabase();
  sandbox = await startSandbox({ timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 2_000 } });
  Object.assign(process.env, {
    OPENAI_API_KEY: sandbox.apiKey,
    OPENAI_BASE_URL: sandbox.url,
    PROVIDER_TIMEOUT_MS: "1000",
    PROVIDER_CANCEL_DEADLINE_MS: "4000",
  });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await sandbox.close();
});

it("the provider fault matrix during a load of creates and cancels", async () => {
  const { db } = await import("../../server/db");
  const { provider } = await import("../../server/provider");
  const { startWorker } = await import("../../server/worker/runner");
  const { stopQueue } = await import("../../server/worker/queue");
  const { createApiKey } = await import("../../server/auth/admin");
  const { makeConnection } = await import("../helpers/factories");
  const { startApiServer, trpcClient } = await import("../helpers/http");
  const worker = await startWorker({ db: db(), provider: provider(), concurrency: 8, reconcileMs: 1_000 });
  stops.push(async () => {
    await worker.stop();
    await stopQueue();
  });
  const server = await startApiServer();
  stops.push(() => server.close());
  const api = trpcClient(server.origin, { authorization: `Bearer ${(await createApiKey({ name: "faults", role: "operator" })).key}` });
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  const report = new ScenarioReport("provider fault matrix under load");

  let storming = true;
  const storm = (async () => {
    while (storming) {
      sandbox.addFault({ route: pick(ROUTES), fault: pick(FAULTS), times: 1 + Math.floor(Math.random() * 3) });
      await sleep(150);
    }
  })();

  const acknowledgedCancels = new Set<string>();
  const jobIds: string[] = [];
  await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      await sleep(i * 50);
      const job = await api.finetuning.create.mutate({ db_connection_id: connection.id, alias: `storm-${i}` });
      report.success();
      jobIds.push(job.id);
      if (i % 2 === 1) return;
      await sleep(Math.random() * 2_500); // cancel at a random stage
      for (let attempt = 0; attempt < 10; attempt++) {
        try {
          await api.finetuning.cancel.mutate({ finetuning_id: job.id });
          report.success();
          acknowledgedCancels.add(job.id);
          return;
        } catch (error) {
          report.error(errorCode(error));
          if (errorCode(error) === "CONFLICT") return; // it finished first
        }
      }
    }),
  );
  storming = false;
  await storm;
  sandbox.clearFaults();

  // Every job ends; the worker's sweep finishes any clean-up the faults interrupted.
  const terminal = new Set(["succeeded", "failed", "cancelled"]);
  const rows = await waitFor(
    () => db().finetuningJob.findMany({ where: { id: { in: jobIds } } }),
    (all) => all.every((j) => terminal.has(j.status)),
    60_000,
  );
  // Jobs over the same examples share a file: a succeeded job keeps it, for itself and the others.
  const keptFor = (fileId: string) =>
    rows.some((r) => r.status === "succeeded" && (r.finetuningFileId === fileId || r.validationFileId === fileId));
  await waitFor(
    async () =>
      (await sandbox.jobs()).filter((j) => !terminal.has(j.status)).length +
      (await sandbox.files()).filter(
        (f) => !f.deleted && rows.some((r) => r.status !== "succeeded" && r.finetuningFileId === f.id) && !keptFor(f.id),
      ).length,
    (n) => n === 0,
    30_000,
  ).catch(() => undefined);

  for (const row of rows) {
    report.transitions += await db().jobEvent.count({ where: { jobId: row.id, kind: "status_change" } });
    const made = (await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === row.id);
    report.check(made.length <= 1, `job ${row.id}: ${made.length} provider jobs`);
    report.check(!acknowledgedCancels.has(row.id) || row.status === "cancelled", `job ${row.id}: cancel acknowledged but ${row.status}`);
    if (row.status === "succeeded")
      report.check(
        row.modelId !== null && row.modelId === made[0]?.fine_tuned_model,
        `job ${row.id}: succeeded without the provider's model`,
      );
    // Guarantee 2: nothing keeps running for a cancelled job. (A provider job made
    // while the cancel deleted its file may end "failed" there rather than "cancelled".)
    if (row.status === "cancelled")
      report.check(
        made.every((j) => terminal.has(j.status)),
        `job ${row.id}: cancelled here but ${made[0]?.status} at the provider`,
      );
    if (row.status !== "succeeded" && row.finetuningFileId && !keptFor(row.finetuningFileId)) {
      report.check(
        (await sandbox.files()).find((f) => f.id === row.finetuningFileId)?.deleted === true,
        `job ${row.id}: training file left behind`,
      );
    }
  }
  const orphans = (await sandbox.jobs()).filter((j) => !terminal.has(j.status));
  report.check(orphans.length === 0, `${orphans.length} provider jobs still running`);
  report.print({
    jobs: rows.length,
    byStatus: Object.fromEntries([...terminal].map((s) => [s, rows.filter((r) => r.status === s).length])),
    faultsInjected: sandbox.stats().faults,
  });
  expect(report.violations).toEqual([]);
});
