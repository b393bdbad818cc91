import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import type { JobStatus } from "../../server/finetuning/schema";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { stopQueue } from "../../server/worker/queue";
import { callerAs } from "../helpers/callers";
import { makeConnection } from "../helpers/factories";
import { providerFor, sandboxProvider, uploadProcessedFile } from "../helpers/provider";
import { apiKey, rest, startRestServer, type RestServer } from "../helpers/rest";

// Bulk cancel — 500 jobs in mixed states through a provider fault
// storm, the dry run, the 1,000 limit, REST and Idempotency-Key.

let sandbox: Sandbox;
let provider: FinetuningProvider;
let api: RestServer;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 20, validatingMs: 20, queuedMs: 20, runningMs: Infinity }));
  api = await startRestServer();
});
afterAll(async () => {
  await api.close();
  await sandbox.close();
  await stopQueue();
});

const MIX: [JobStatus, number][] = [
  ["queued", 150],
  ["validating_files", 50],
  ["running", 100],
  ["succeeded", 100],
  ["failed", 50],
  ["cancelled", 50],
];

/** 500 jobs on a fresh connection; the running ones train at the sandbox. */
async function mixedJobs() {
  const { connection } = await makeConnection(db(), { goldenRecords: 0 });
  const fileId = await uploadProcessedFile(provider);
  const providerJobIds: string[] = [];
  for (let i = 0; i < 100; i++) {
    providerJobIds.push(
      (await provider.createJob({ jobId: crypto.randomUUID(), fileId, model: "gpt-4o-mini-2024-07-18", parameters: null, suffix: null }))
        .id,
    );
  }
  let p = 0;
  const data = MIX.flatMap(([status, n]) =>
    Array.from({ length: n }, () => ({
      dbConnectionId: connection.id,
      status,
      modelName: "gpt-4o-mini-2024-07-18",
      goldenRecordIds: [],
      ...(status === "running" ? { finetuningJobId: providerJobIds[p++], finetuningFileId: fileId } : {}),
    })),
  );
  const jobs = await db().finetuningJob.createManyAndReturn({ data, select: { id: true, status: true, finetuningJobId: true } });
  return { connection, jobs };
}

const cancelMoves = (ids: string[]) =>
  db().jobEvent.groupBy({
    by: ["jobId"],
    where: { jobId: { in: ids }, kind: "status_change", toStatus: "cancelled" },
    _count: { _all: true },
  });

describe("finetuning.cancelMany", () => {
  it("500 jobs in mixed states through a provider fault storm: each ends as its result says, one transition each", async () => {
    const { connection, jobs } = await mixedJobs();
    const operator = await callerAs("operator", provider);

    const dry = await operator.finetuning.cancelMany({ filter: { db_connection_id: connection.id }, dry_run: true });
    expect(dry.counts).toMatchObject({ will_cancel: 300, already_finished: 150, already_cancelled: 50, cancelled: 0 });
    expect(dry.results).toHaveLength(500);
    // The dry run changed nothing: no status, no event, no provider call.
    expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id, status: "cancelled" } })).toBe(50);
    expect(await db().jobEvent.count({ where: { jobId: { in: jobs.map((j) => j.id) } } })).toBe(0);

    // The storm: the provider refuses the first 150 cancel calls, so the
    // first running jobs' retries run out and the later ones go through.
    sandbox.addFault({ route: "POST /v1/fine_tuning/jobs/*/cancel", fault: { kind: "status", status: 503 }, times: 150 });
    const impatient = await callerAs("operator", providerFor(sandbox, { timeoutMs: 1_000, deadlineMs: 300 }));
    const done = await impatient.finetuning.cancelMany({ ids: jobs.map((j) => j.id), dry_run: false, metadata: { reason: "bulk" } });
    expect(done.results).toHaveLength(500);
    expect(done.counts.provider_unreachable).toBeGreaterThan(0);
    expect(done.counts.cancelled).toBeGreaterThan(200); // every local job, and running ones after the storm
    expect(done.counts.cancelled + done.counts.provider_unreachable).toBe(300);

    const now = new Map(
      (
        await db().finetuningJob.findMany({
          where: { dbConnectionId: connection.id },
          select: { id: true, status: true, finetuningJobId: true },
        })
      ).map((r) => [r.id, r]),
    );
    const moves = new Map((await cancelMoves(jobs.map((j) => j.id))).map((g) => [g.jobId, g._count._all]));
    for (const job of jobs) {
      const result = done.results.find((r) => r.finetuning_id === job.id);
      const after = now.get(job.id);
      expect(result?.status).toBe(after?.status);
      switch (result?.outcome) {
        case "cancelled":
          expect(after?.status).toBe("cancelled");
          expect(moves.get(job.id)).toBe(1);
          if (job.finetuningJobId) expect((await provider.retrieveJob(job.finetuningJobId)).status).toBe("cancelled");
          break;
        case "provider_unreachable":
          expect(job.status).toBe("running");
          expect(after?.status).toBe("running");
          expect(moves.get(job.id)).toBeUndefined();
          expect(result.reason).toMatch(/could not be reached/);
          break;
        case "already_finished":
          expect(["succeeded", "failed"]).toContain(job.status);
          expect(after?.status).toBe(job.status);
          break;
        case "already_cancelled":
          expect(job.status).toBe("cancelled");
          expect(moves.get(job.id)).toBeUndefined(); // made cancelled by the test: no new transition
          break;
        default:
          throw new Error(`unexpected outcome ${result?.outcome} for a ${job.status} job`);
      }
    }

    // Once the provider is back, the same call cancels the rest and changes nothing else.
    sandbox.clearFaults();
    const again = await operator.finetuning.cancelMany({ filter: { db_connection_id: connection.id } });
    expect(again.counts).toMatchObject({
      cancelled: done.counts.provider_unreachable,
      provider_unreachable: 0,
      already_cancelled: 50 + done.counts.cancelled,
    });
    const finalMoves = await cancelMoves(jobs.map((j) => j.id));
    expect(finalMoves).toHaveLength(300);
    expect(finalMoves.every((g) => g._count._all === 1)).toBe(true);
  });

  it("answers unknown ids as not found, sums the money spent, and a viewer may not", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const job = await db().finetuningJob.create({
      data: {
        dbConnectionId: connection.id,
        status: "queued",
        modelName: "gpt-4o-mini-2024-07-18",
        goldenRecordIds: [],
        trainingFileTokens: 100_000,
        step: 50,
        totalSteps: 100,
        modelParameters: { n_epochs: 1 },
      },
    });
    const operator = await callerAs("operator", provider);
    const unknown = "0197a0b0-0000-7000-8000-000000000000";
    const dry = await operator.finetuning.cancelMany({ ids: [job.id, unknown], dry_run: true });
    expect(dry.results).toEqual([
      { finetuning_id: job.id, outcome: "will_cancel", status: "queued", reason: null, spent_usd: 0.15 },
      {
        finetuning_id: unknown,
        outcome: "not_found",
        status: null,
        reason: expect.stringContaining("not found") as unknown,
        spent_usd: null,
      },
    ]);
    expect(dry.spent_usd).toBe(0.15);
    const viewer = await callerAs("viewer", provider);
    await expect(viewer.finetuning.cancelMany({ ids: [job.id] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(operator.finetuning.cancelMany({ ids: [job.id], filter: {} })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("queued");
  });
});

describe("POST /api/v1/finetunings/cancel", () => {
  it("cancels by ids with per-job results, replays with the same Idempotency-Key, and leaves /finetunings/{id} routes alone", async () => {
    const key = await apiKey("operator");
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const jobs = await db().finetuningJob.createManyAndReturn({
      data: (["queued", "succeeded"] as const).map((status) => ({
        dbConnectionId: connection.id,
        status,
        modelName: "gpt-4o-mini-2024-07-18",
        goldenRecordIds: [],
      })),
      select: { id: true },
    });
    const ids = jobs.map((j) => j.id);
    const first = await rest(api.origin, "POST", "/api/v1/finetunings/cancel", {
      key,
      json: { ids },
      headers: { "idempotency-key": `bulk-${ids[0]}` },
    });
    expect(first.status).toBe(200);
    expect((first.body as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual(["cancelled", "already_finished"]);
    const replay = await rest(api.origin, "POST", "/api/v1/finetunings/cancel", {
      key,
      json: { ids },
      headers: { "idempotency-key": `bulk-${ids[0]}` },
    });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(await db().jobEvent.count({ where: { jobId: ids[0], kind: "status_change" } })).toBe(1);

    // The neighbours still route as before.
    expect((await rest(api.origin, "GET", `/api/v1/finetunings/${ids[0]}`, { key })).body.status).toBe("cancelled");
    expect((await rest(api.origin, "POST", `/api/v1/finetunings/${ids[1]}/cancel`, { key })).status).toBe(409);
    expect((await rest(api.origin, "GET", "/api/v1/finetunings/cancel", { key })).status).toBe(400);
  });

  it("refuses more than 1,000 jobs with a clear 400, by ids or by a filter", async () => {
    const key = await apiKey("operator");
    const ids = Array.from({ length: 1_001 }, () => crypto.randomUUID());
    const byIds = await rest(api.origin, "POST", "/api/v1/finetunings/cancel", { key, json: { ids } });
    expect(byIds.status).toBe(400);
    expect(byIds.text).toContain("at most 1,000 jobs per call");

    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    await db().finetuningJob.createMany({
      data: Array.from({ length: 1_001 }, () => ({
        dbConnectionId: connection.id,
        status: "queued" as const,
        modelName: "gpt-4o-mini-2024-07-18",
        goldenRecordIds: [],
      })),
    });
    const byFilter = await rest(api.origin, "POST", "/api/v1/finetunings/cancel", {
      key,
      json: { filter: { db_connection_id: connection.id } },
    });
    expect(byFilter.status).toBe(400);
    expect(byFilter.body.error.message).toContain("The filter matches 1,001 jobs; at most 1,000");
    expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id, status: "cancelled" } })).toBe(0);
  });
});
