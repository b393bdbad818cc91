import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { evaluateGuardrails } from "../../server/guardrails/evaluate";
import { recheckGuardrails } from "../../server/guardrails/recheck";
import { crossedGuardrails, type JobFacts } from "../../server/guardrails/rules";
import type { Guardrails } from "../../server/guardrails/schema";
import type { LossShape, Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";
import { stopQueue } from "../../server/worker/queue";
import { callerAs } from "../helpers/callers";
import { eventsOf, makeConnection, makeJob } from "../helpers/factories";
import { sandboxProvider, unreachableProvider, uploadProcessedFile } from "../helpers/provider";
import { makeTrainingJob } from "../helpers/training";
import { sleep, waitFor } from "../helpers/worker";

// Each guardrail driven by the sandbox's fault shapes, through the
// real provider module, the guarded transitions and the event log.

let sandbox: Sandbox;
let provider: FinetuningProvider;

beforeAll(async () => {
  // 30 steps over 15 s: a step every half second.
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 50, validatingMs: 50, queuedMs: 50, runningMs: 15_000 }));
});
afterAll(async () => {
  await sandbox.close();
  await stopQueue();
});

const row = (id: string) => db().finetuningJob.findUniqueOrThrow({ where: { id } });
const kinds = async (id: string) => {
  const events = await eventsOf(db(), id);
  return { trips: events.filter((e) => e.kind === "guardrail_triggered"), moves: events.filter((e) => e.kind === "status_change") };
};

async function guardedTrainingJob(guardrails: Guardrails, shape?: LossShape) {
  const { job, providerJobId } = await makeTrainingJob(provider);
  await db().finetuningJob.update({ where: { id: job.id }, data: { guardrails } });
  if (shape) await sandbox.setLossShape(providerJobId, shape);
  return { id: job.id, providerJobId };
}

/** The worker's step as metrics arrive (mirrors them), then its guardrail check; until `done`. */
async function trainUntil(id: string, done: (r: Awaited<ReturnType<typeof row>>) => boolean, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      await advanceJob({ db: db(), provider, jobId: id, pollSeconds: 0 });
      await evaluateGuardrails({ db: db(), provider, jobId: id });
      return row(id);
    },
    done,
    timeoutMs,
  );
}

describe("guardrails driven by the sandbox's fault shapes", () => {
  it("a diverging run is cancelled once by its divergence guardrail, at the provider too, and the log says why with its numbers", async () => {
    const { id, providerJobId } = await guardedTrainingJob({ divergence: { factor: 1.3, window: 3, action: "cancel" } }, "diverging");
    const cancelled = await trainUntil(id, (r) => r.status === "cancelled");
    expect(cancelled.error).toMatch(/^Cancelled by guardrail divergence: train loss [\d.]+ > 1.3 × min [\d.]+ for 3 steps$/);
    expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");

    // Later checks (the periodic re-check, another worker) fire nothing again.
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    await recheckGuardrails({ db: db(), provider });
    const { trips, moves } = await kinds(id);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({
      actor: "guardrail",
      metadata: { rule: "divergence", action: "cancel", limit: expect.any(Number) as unknown },
    });
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ fromStatus: "running", toStatus: "cancelled", actor: "guardrail" });
    expect(moves[0]?.reason).toMatch(/^cancelled by guardrail divergence: train loss /);

    const viewer = await callerAs("viewer", provider);
    const job = await viewer.finetuning.get({ finetuning_id: id });
    expect(job.guardrail_trips).toEqual([expect.objectContaining({ rule: "divergence", action: "cancel", outcome: "stopped" })]);
    const stopped = await viewer.finetuning.list({ stopped_by_guardrail: "true", limit: 100 });
    expect(stopped.items.map((j) => j.id)).toContain(id);
    expect(stopped.items.every((j) => j.guardrail_trips.some((t) => t.outcome === "stopped" || t.outcome === "pending"))).toBe(true);
    const all = await viewer.finetuning.events({ finetuning_id: id });
    expect(all.some((e) => e.kind === "guardrail_triggered")).toBe(true);
  });

  it("a NaN loss pauses the job (its guardrail's action), once", async () => {
    const { id, providerJobId } = await guardedTrainingJob({ divergence: { factor: 10, window: 1000, action: "pause" } }, "nan");
    const paused = await trainUntil(id, (r) => r.status === "pausing" || r.status === "paused");
    expect(["pausing", "paused"]).toContain((await provider.retrieveJob(providerJobId)).status);
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    const { trips, moves } = await kinds(id);
    expect(trips).toHaveLength(1);
    expect(trips[0]?.reason).toMatch(/^divergence: train loss is NaN/);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ toStatus: paused.status, actor: "guardrail" });
    expect(moves[0]?.reason).toMatch(/^paused by guardrail divergence: train loss is NaN/);
  });

  it("a stalled run (no new steps) is cancelled by one re-check", async () => {
    const { id, providerJobId } = await guardedTrainingJob({ stall_after_seconds: { limit: 2, action: "cancel" } });
    await trainUntil(id, (r) => (r.step ?? 0) >= 2);
    await sandbox.setLossShape(providerJobId, "flat");
    await advanceJob({ db: db(), provider, jobId: id, pollSeconds: 0 });
    const { step } = await row(id);
    await sleep(3_000); // the stall: nothing arrives, so only the re-check can see it
    await advanceJob({ db: db(), provider, jobId: id, pollSeconds: 0 });
    expect((await row(id)).step).toBe(step); // really stalled
    await recheckGuardrails({ db: db(), provider });
    const after = await row(id);
    expect(after.status).toBe("cancelled");
    expect(after.error).toMatch(/^Cancelled by guardrail stall_after: no new step for \d+s > 2s \(last step \d+\)$/);
    expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");
    expect((await kinds(id)).moves).toHaveLength(1);
  });

  it("a cost overrun is cancelled, the message in dollars", async () => {
    const { id, providerJobId } = await guardedTrainingJob({ max_cost_usd: { limit: 0.05, action: "cancel" } });
    // 100k tokens × 1 epoch at gpt-4o-mini's $3/1M: $0.30 in all, so $0.05 is passed a sixth of the way in.
    await db().finetuningJob.update({ where: { id }, data: { trainingFileTokens: 100_000 } });
    const cancelled = await trainUntil(id, (r) => r.status === "cancelled");
    expect(cancelled.error).toMatch(/^Cancelled by guardrail max_cost_usd: \$0\.\d\d > \$0\.05$/);
    expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");
    expect((await kinds(id)).trips).toHaveLength(1);
  });

  it("a long queue at the provider is cancelled by one re-check, the provider job with it", async () => {
    await sandbox.setTimings({ queuedMs: 600_000 });
    try {
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
        (j) => j.status === "queued",
      );
      const job = await makeJob(db(), {
        status: "queued",
        finetuningJobId: providerJob.id,
        finetuningFileId: fileId,
        createdAt: new Date(Date.now() - 10 * 60_000),
      });
      await db().finetuningJob.update({
        where: { id: job.id },
        data: { guardrails: { max_queue_time_seconds: { limit: 60, action: "cancel" } } },
      });
      await recheckGuardrails({ db: db(), provider });
      const after = await row(job.id);
      expect(after.status).toBe("cancelled");
      expect(after.error).toMatch(/^Cancelled by guardrail max_queue_time: not running after 10m( \d\ds)? > 1m$/);
      expect((await provider.retrieveJob(providerJob.id)).status).toBe("cancelled");
    } finally {
      await sandbox.setTimings({ queuedMs: 50 });
    }
  });

  it("notify only records the event and flags the job; it fires once however often it is checked", async () => {
    const { id } = await guardedTrainingJob({ max_runtime_seconds: { limit: 1, action: "notify" } });
    await sleep(2_100);
    await recheckGuardrails({ db: db(), provider });
    await recheckGuardrails({ db: db(), provider });
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    const after = await row(id);
    expect(after.status).toBe("running");
    expect(after.guardrailStoppedAt).toBeNull();
    const { trips, moves } = await kinds(id);
    expect(moves).toHaveLength(0);
    expect(trips).toHaveLength(1);
    expect(trips[0]?.reason).toMatch(/^max_runtime: running \d+s > 1s → notify$/);
    const viewer = await callerAs("viewer", provider);
    expect((await viewer.finetuning.guardrails({ finetuning_id: id })).trips).toEqual([
      expect.objectContaining({ rule: "max_runtime_seconds", outcome: "notified" }),
    ]);
  });

  it("never acts on a job a person paused or cancelled", async () => {
    const operator = await callerAs("operator", provider);
    const paused = await guardedTrainingJob({ max_runtime_seconds: { limit: 1, action: "cancel" } });
    await operator.finetuning.pause({ finetuning_id: paused.id });
    const cancelled = await guardedTrainingJob({ max_runtime_seconds: { limit: 1, action: "cancel" } });
    await operator.finetuning.cancel({ finetuning_id: cancelled.id });
    await sleep(2_100);
    await recheckGuardrails({ db: db(), provider });
    for (const { id } of [paused, cancelled]) {
      expect((await kinds(id)).trips).toHaveLength(0);
      const moves = (await kinds(id)).moves;
      expect(moves.every((m) => m.actor === "api_key:test-operator")).toBe(true);
    }
    expect(["pausing", "paused"]).toContain((await row(paused.id)).status);
  });

  it("a person's cancel racing a guardrail's is one transition", async () => {
    const operator = await callerAs("operator", provider);
    let guardrailFired = 0;
    for (let i = 0; i < 5; i++) {
      const { id, providerJobId } = await guardedTrainingJob({ max_runtime_seconds: { limit: 1, action: "cancel" } });
      await sleep(2_100);
      await Promise.all([operator.finetuning.cancel({ finetuning_id: id }), evaluateGuardrails({ db: db(), provider, jobId: id })]);
      const { moves } = await kinds(id);
      expect(moves).toHaveLength(1);
      expect(moves[0]?.toStatus).toBe("cancelled");
      expect((await row(id)).status).toBe("cancelled");
      expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");
      // The trip says what came of it: the guardrail's stop, or stood down for the person's.
      const trips = (await operator.finetuning.get({ finetuning_id: id })).guardrail_trips;
      const outcome = moves[0]?.actor === "guardrail" ? "stopped" : "skipped";
      expect(trips.every((t) => t.outcome === outcome)).toBe(true);
      guardrailFired += trips.length;
    }
    expect(guardrailFired).toBeGreaterThan(0); // the guardrail really was crossed and raced
  });

  it("a trip whose action could not reach the provider stays pending and is done by the next check (another worker's)", async () => {
    const { id, providerJobId } = await guardedTrainingJob({ max_runtime_seconds: { limit: 1, action: "cancel" } });
    await sleep(2_100);
    await evaluateGuardrails({ db: db(), provider: unreachableProvider(), jobId: id });
    const pending = await row(id);
    expect(pending.status).toBe("running");
    expect((pending.guardrailTrips as Record<string, { outcome: string }>).max_runtime_seconds?.outcome).toBe("pending");
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    expect((await row(id)).status).toBe("cancelled");
    expect((await provider.retrieveJob(providerJobId)).status).toBe("cancelled");
    const { trips, moves } = await kinds(id);
    expect(trips).toHaveLength(1);
    expect(moves).toHaveLength(1);
  });
});

describe("guardrails over the API", () => {
  it("a job starts with its connection's defaults unless it gives its own; an active job's can be changed, an ended one's not", async () => {
    const operator = await callerAs("operator", provider);
    const { connection } = await makeConnection(db());
    const defaults: Guardrails = { max_cost_usd: { limit: 12, action: "cancel" }, stall_after_seconds: { limit: 600, action: "notify" } };
    expect(await operator.dbConnection.setGuardrails({ db_connection_id: connection.id, guardrails: defaults })).toEqual({
      db_connection_id: connection.id,
      guardrails: defaults,
    });
    expect((await operator.dbConnection.guardrails({ db_connection_id: connection.id })).guardrails).toEqual(defaults);

    const inherited = await operator.finetuning.create({ db_connection_id: connection.id });
    expect(inherited.guardrails).toEqual(defaults);
    const own = await operator.finetuning.create({
      db_connection_id: connection.id,
      guardrails: { max_runtime_seconds: { limit: 60, action: "pause" } },
    });
    expect(own.guardrails).toEqual({ max_runtime_seconds: { limit: 60, action: "pause" } });

    const changed = await operator.finetuning.setGuardrails({
      finetuning_id: inherited.id,
      guardrails: { divergence: { factor: 2, window: 20, action: "cancel" } },
    });
    expect(changed.guardrails).toEqual({ divergence: { factor: 2, window: 20, action: "cancel" } });
    await operator.finetuning.cancel({ finetuning_id: inherited.id });
    await expect(operator.finetuning.setGuardrails({ finetuning_id: inherited.id, guardrails: {} })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const viewer = await callerAs("viewer", provider);
    await expect(viewer.finetuning.setGuardrails({ finetuning_id: own.id, guardrails: {} })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      operator.finetuning.setGuardrails({ finetuning_id: own.id, guardrails: { max_cost_usd: { limit: -1, action: "cancel" } } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("changing a rule re-arms it; saving it unchanged does not", async () => {
    const operator = await callerAs("operator", provider);
    const { id } = await guardedTrainingJob({ max_runtime_seconds: { limit: 1, action: "notify" } });
    await sleep(2_100);
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    await operator.finetuning.setGuardrails({ finetuning_id: id, guardrails: { max_runtime_seconds: { limit: 1, action: "notify" } } });
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    expect((await kinds(id)).trips).toHaveLength(1);
    await operator.finetuning.setGuardrails({ finetuning_id: id, guardrails: { max_runtime_seconds: { limit: 1, action: "cancel" } } });
    await evaluateGuardrails({ db: db(), provider, jobId: id });
    expect((await kinds(id)).trips).toHaveLength(2);
    expect((await row(id)).status).toBe("cancelled");
  });
});

describe("guardrail rules", () => {
  const base: JobFacts = {
    status: "running",
    now: new Date("2026-01-01T01:00:00Z"),
    createdAt: new Date("2026-01-01T00:00:00Z"),
    firstRunningAt: new Date("2026-01-01T00:10:00Z"),
    lastRunningAt: new Date("2026-01-01T00:10:00Z"),
    lastStepAt: new Date("2026-01-01T00:59:00Z"),
    lastStep: 40,
    costSoFarUsd: 12.4,
    recentTrainLosses: [1, 0.9, 0.8],
    minTrainLoss: 0.5,
  };
  it("say which rule with its numbers", () => {
    expect(crossedGuardrails({ max_cost_usd: { limit: 12, action: "cancel" } }, base)).toEqual([
      { rule: "max_cost_usd", action: "cancel", observed: 12.4, limit: 12, message: "max_cost_usd: $12.40 > $12.00" },
    ]);
    expect(crossedGuardrails({ max_runtime_seconds: { limit: 2940, action: "pause" } }, base)[0]?.message).toBe(
      "max_runtime: running 50m > 49m",
    );
    expect(
      crossedGuardrails({ max_runtime_seconds: { limit: 3000, action: "pause" } }, { ...base, now: new Date("2026-01-01T01:00:05Z") })[0]
        ?.message,
    ).toBe("max_runtime: running 50m 05s > 50m");
    expect(crossedGuardrails({ stall_after_seconds: { limit: 30, action: "cancel" } }, base)[0]?.message).toBe(
      "stall_after: no new step for 1m > 30s (last step 40)",
    );
    expect(crossedGuardrails({ divergence: { factor: 1.5, window: 3, action: "cancel" } }, base)[0]?.message).toBe(
      "divergence: train loss 0.800 > 1.5 × min 0.500 for 3 steps",
    );
  });
  it("hold when within their limits, and a rule for another stage waits for it", () => {
    expect(
      crossedGuardrails(
        {
          max_cost_usd: { limit: 13, action: "cancel" },
          stall_after_seconds: { limit: 120, action: "cancel" },
          divergence: { factor: 2, window: 3, action: "cancel" },
        },
        base,
      ),
    ).toEqual([]);
    expect(crossedGuardrails({ divergence: { factor: 1.5, window: 4, action: "cancel" } }, base)).toEqual([]); // only 3 steps seen above the bound
    expect(crossedGuardrails({ max_queue_time_seconds: { limit: 60, action: "cancel" } }, base)).toEqual([]); // it runs
    expect(crossedGuardrails({ stall_after_seconds: { limit: 1, action: "cancel" } }, { ...base, status: "queued" })).toEqual([]);
    expect(crossedGuardrails({ max_cost_usd: { limit: 1, action: "cancel" } }, { ...base, costSoFarUsd: null })).toEqual([]); // unknown price: no made-up number
  });
});
