import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import type { RunningWorker } from "../../server/worker/runner";
import { sleep, waitFor } from "../helpers/worker";

// Polling by need under a tight request budget: six jobs train, the budget
// cannot read them all as often as their plan asks, and the job a person is
// watching is read first, far more often than the rest. Every request goes
// through the real budget (Postgres) and the real SDK to the sandbox.
let sandbox: Sandbox;
let provider: FinetuningProvider;
let worker: RunningWorker;

beforeAll(async () => {
  await useIsolatedDatabase();
  const { startSandbox } = await import("../../server/provider/sandbox");
  const { createOpenAIProvider } = await import("../../server/provider/openai");
  const { budgetedFetch, requestBudget } = await import("../../server/provider/budget");
  const { db } = await import("../../server/db");
  sandbox = await startSandbox({ timings: { fileProcessingMs: 50, validatingMs: 100, queuedMs: 100, runningMs: 600_000 } });
  provider = createOpenAIProvider({
    apiKey: sandbox.apiKey,
    baseURL: sandbox.url,
    timeoutMs: 20_000,
    deadlineMs: 3_000,
    fetch: budgetedFetch(requestBudget({ db: db(), provider: "openai", ratePerSecond: 4 })),
  });
  const { startWorker } = await import("../../server/worker/runner");
  worker = await startWorker({ db: db(), provider, pollMs: 300, reconcileMs: 1_000 });
});

afterAll(async () => {
  await worker?.stop();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox?.close();
});

describe("the worker polls by need within the budget", () => {
  it("reads a watched job first and most often; no job is forgotten", async () => {
    const { db } = await import("../../server/db");
    const { makeConnection } = await import("../helpers/factories");
    const { callerAs } = await import("../helpers/callers");
    const { onObservation } = await import("../../server/observations");
    const { markWatched } = await import("../../server/finetuning/watch");
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const operator = await callerAs("operator", provider);
    const jobs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => operator.finetuning.create({ db_connection_id: connection.id, alias: `poll-${i}` })),
    );
    const ids = jobs.map((j) => j.id);
    await waitFor(
      () => db().finetuningJob.count({ where: { id: { in: ids }, providerPolledAt: { not: null } } }),
      (n) => n === ids.length,
      60_000,
    );

    const watched = ids[2]!;
    const polls = new Map<string, number>();
    const needs = new Set<string>();
    const stop = onObservation((o) => {
      // Reads of the job itself; the fleet read lists every job alike ("listed").
      if (o.kind !== "poll_staleness" || o.need === "listed") return;
      polls.set(o.jobId, (polls.get(o.jobId) ?? 0) + 1);
      if (o.jobId === watched) needs.add(o.need);
    });
    try {
      // The detail page's chart reads the curves while it is open; here, twice over the window.
      await markWatched({ db: db(), id: watched });
      await sleep(6_000);
      await markWatched({ db: db(), id: watched });
      await sleep(6_000);
    } finally {
      stop();
    }
    const others = ids.filter((id) => id !== watched).map((id) => polls.get(id) ?? 0);
    expect(needs).toContain("watched");
    // The watched job was read more often than any other, and every other was still read.
    expect(polls.get(watched) ?? 0).toBeGreaterThan(Math.max(...others));
    expect(Math.min(...others)).toBeGreaterThan(0);
  });
});
