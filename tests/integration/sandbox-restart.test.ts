// The second start, at the process level: `npm run worker` without
// OPENAI_API_KEY serves its own front of the sandbox over the database. Stop it
// while a job is running at the provider and start it again: the job runs on
// to its end (it used to fail: "The provider no longer knows job ftjob-…").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { localSandboxEnv, processGroup } from "../helpers/processes";
import { waitFor } from "../helpers/worker";

let databaseUrl: string;
let observer: Sandbox | undefined;
const processes = processGroup();

async function startWorkerProcess() {
  const { child } = await processes.startUntil(
    "scripts/worker.ts",
    localSandboxEnv({ databaseUrl, timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 6_000 }, pollMs: 300 }),
    /Worker \d+ running/,
  );
  return child;
}
const stop = processes.stop;

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
});
afterAll(async () => {
  await processes.stopAll();
  await observer?.close();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
});

describe("a restarted worker with the local sandbox", () => {
  it("start, stop, start: the running job runs on to succeeded, with one provider job", async () => {
    const { db } = await import("../../server/db");
    const { createJob } = await import("../../server/finetuning/service");
    const { makeConnection } = await import("../helpers/factories");
    const first = await startWorkerProcess();
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const job = await createJob({
      db: db(),
      actor: { kind: "system", name: "cli" },
      input: { db_connection_id: connection.id, alias: "restart" },
    });
    const status = () =>
      db().finetuningJob.findUniqueOrThrow({
        where: { id: job.id },
        select: { status: true, finetuningJobId: true, modelId: true, error: true },
      });
    const running = await waitFor(status, (j) => j.status === "running", 30_000);

    await stop(first);
    await startWorkerProcess();
    const done = await waitFor(status, (j) => j.status !== "running", 60_000);
    expect(done).toMatchObject({ status: "succeeded", error: null, finetuningJobId: running.finetuningJobId });

    // The shared sandbox, seen from one more front: one provider job, trained to the end, its model ours.
    observer = await startSandbox({ databaseUrl });
    const made = (await observer.jobs()).filter((j) => j.metadata?.["controlroom_job_id"] === job.id);
    expect(made.map((j) => [j.id, j.status, j.fine_tuned_model])).toEqual([[running.finetuningJobId, "succeeded", done.modelId]]);
  });
});
