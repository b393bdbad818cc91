import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { waitFor } from "../helpers/worker";

// The fleet read: one list request reads the status of a hundred jobs. Jobs
// the list shows as they were are marked read; jobs it shows changed have
// their next step brought forward, not queued twice. Real SDK, real sandbox,
// real queue; the requests are counted at the provider's fetch.
const JOBS = 130; // more than one page of OpenAI's 100

let sandbox: Sandbox;
let provider: FinetuningProvider;
let client: OpenAI;
let requests: string[] = [];

beforeAll(async () => {
  await useIsolatedDatabase();
  const { startSandbox } = await import("../../server/provider/sandbox");
  const { createOpenAIProvider } = await import("../../server/provider/openai");
  sandbox = await startSandbox({ timings: { fileProcessingMs: 10, validatingMs: 10, queuedMs: 10, runningMs: 600_000 } });
  const counting: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? "GET"} ${new URL(input instanceof Request ? input.url : String(input)).pathname}`);
    return fetch(input, init);
  };
  provider = createOpenAIProvider({ apiKey: sandbox.apiKey, baseURL: sandbox.url, timeoutMs: 20_000, deadlineMs: 5_000, fetch: counting });
  client = new OpenAI({ apiKey: sandbox.apiKey, baseURL: sandbox.url, maxRetries: 0 });
});

afterAll(async () => {
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox?.close();
});

/** Jobs running at the sandbox, and ours for them as the worker would have left them. */
async function runningJobs(n: number): Promise<Array<{ id: string; providerJobId: string }>> {
  const { db } = await import("../../server/db");
  const { makeConnection, makeJob } = await import("../helpers/factories");
  const lines = Array.from({ length: 10 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `q${i}` },
        { role: "assistant", content: `SELECT ${i}` },
      ],
    }),
  );
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join("\n")), "fleet.jsonl"), purpose: "fine-tune" });
  await waitFor(
    async () => (await client.files.retrieve(file.id)).status,
    (status) => status === "processed",
  );
  const { connection } = await makeConnection(db(), { goldenRecords: 0 });
  const jobs: Array<{ id: string; providerJobId: string }> = [];
  for (let i = 0; i < n; i++) {
    const at = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id });
    const row = await makeJob(db(), { status: "running", dbConnectionId: connection.id, finetuningJobId: at.id });
    jobs.push({ id: row.id, providerJobId: at.id });
  }
  await db().finetuningJob.updateMany({ where: { id: { in: jobs.map((j) => j.id) } }, data: { providerStatus: "running" } });
  await waitFor(
    async () => (await client.fineTuning.jobs.retrieve(jobs.at(-1)!.providerJobId)).status,
    (status) => status === "running",
  );
  return jobs;
}

async function queuedSteps(ids: string[]) {
  const { db } = await import("../../server/db");
  const { ADVANCE_QUEUE } = await import("../../server/worker/queue");
  return db().$queryRaw<Array<{ key: string; due: boolean }>>`
    SELECT singleton_key AS key, start_after <= now() AS due FROM pgboss.job
    WHERE name = ${ADVANCE_QUEUE} AND state = 'created' AND singleton_key = ANY(${ids})`;
}

describe("the fleet read", () => {
  it("reads 130 jobs' status in two list requests, marks them read, and brings forward only the ones that changed", async () => {
    const { db } = await import("../../server/db");
    const { readFleet } = await import("../../server/worker/fleet-read");
    const { enqueueAdvance } = await import("../../server/worker/queue");
    const jobs = await runningJobs(JOBS);
    const ids = jobs.map((j) => j.id);
    // Each job's next poll is far off, as the budget's floor spreads them in a big fleet.
    for (const id of ids) await enqueueAdvance(id, { seconds: 3_600 });

    requests = [];
    const first = await readFleet({ db: db(), provider });
    expect(first).toMatchObject({ pages: 2, unchanged: JOBS, changed: 0, unseen: 0 });
    expect(requests).toEqual(["GET /v1/fine_tuning/jobs", "GET /v1/fine_tuning/jobs"]);
    const read = await db().finetuningJob.findMany({ where: { id: { in: ids } }, select: { providerPolledAt: true } });
    expect(read.every((r) => r.providerPolledAt !== null)).toBe(true);
    expect((await queuedSteps(ids)).filter((s) => s.due)).toEqual([]);

    // Three end at the provider between two reads: those three, and only they, are due now, each still one step.
    const ended = jobs.slice(0, 3);
    for (const job of ended) await client.fineTuning.jobs.cancel(job.providerJobId);
    const second = await readFleet({ db: db(), provider });
    expect(second).toMatchObject({ unchanged: JOBS - 3, changed: 3 });
    const steps = await queuedSteps(ids);
    expect(steps).toHaveLength(JOBS);
    expect(
      steps
        .filter((s) => s.due)
        .map((s) => s.key)
        .sort(),
    ).toEqual(ended.map((j) => j.id).sort());
  });

  it("a guardrail set on a job whose next poll is far off brings that poll forward, and it alone", async () => {
    const { setJobGuardrails } = await import("../../server/guardrails/service");
    const { enqueueAdvance } = await import("../../server/worker/queue");
    const { db } = await import("../../server/db");
    const jobs = await runningJobs(2);
    for (const { id } of jobs) await enqueueAdvance(id, { seconds: 3_600 });
    const operator = { kind: "api_key", id: "k", name: "guard-setter", role: "operator" } as const;
    await setJobGuardrails({ db: db(), actor: operator, id: jobs[0]!.id, guardrails: { max_cost_usd: { limit: 5, action: "cancel" } } });
    const steps = await queuedSteps(jobs.map((j) => j.id));
    expect(steps.filter((s) => s.due).map((s) => s.key)).toEqual([jobs[0]!.id]);
    expect(steps).toHaveLength(2);
  });

  it("asks nothing of the provider when no job is active there", async () => {
    const { db } = await import("../../server/db");
    const { readFleet } = await import("../../server/worker/fleet-read");
    await db().finetuningJob.updateMany({ where: { status: "running" }, data: { status: "succeeded" } });
    requests = [];
    expect(await readFleet({ db: db(), provider })).toMatchObject({ pages: 0, unchanged: 0 });
    expect(requests).toEqual([]);
  });
});
