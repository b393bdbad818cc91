// A sweep's runs are ordinary jobs: a person's cancel and a guardrail act on
// them as on any job, and the sweep carries on around them. And the sweep's
// decisions live in rows: a worker that stops mid-sweep, or dies after
// deciding and before acting, loses none and makes none twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import type { RunningWorker } from "../../server/worker/runner";
import type { Sweep } from "../../server/sweeps/schema";
import { waitFor } from "../helpers/worker";
import { expectRuleKept, type Db } from "./sweeps-check";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let worker: RunningWorker | null = null;
let db: Db;

async function startTheWorker() {
  const { startWorker } = await import("../../server/worker/runner");
  worker = await startWorker({ db, provider, pollMs: 200, reconcileMs: 300 });
}

beforeAll(async () => {
  await useIsolatedDatabase();
  const { sandboxProvider } = await import("../helpers/provider");
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 20, validatingMs: 50, queuedMs: 50, runningMs: 8_000 }));
  db = (await import("../../server/db")).db();
  await startTheWorker();
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox.close();
});

async function operator() {
  const { callerAs } = await import("../helpers/callers");
  return callerAs("operator", provider);
}

async function newSweep(name: string, over: Record<string, unknown>) {
  const { makeConnection } = await import("../helpers/factories");
  const { connection } = await makeConnection(db, { goldenRecords: 12 });
  const caller = await operator();
  return caller.sweep.create({ name, db_connection_id: connection.id, ...over });
}

const ended = (s: Sweep) => s.status === "completed" || s.status === "cancelled";

describe("sweeps: people, guardrails and restarts", () => {
  it("a person's cancel and a guardrail's act on sweep runs like on any job; the sweep starts the next runs and completes", async () => {
    const caller = await operator();
    const sweep = await newSweep("hands-on", {
      runs: [1, 2, 3, 4].map((lr) => ({ learning_rate_multiplier: lr, n_epochs: 1 })),
      max_concurrent: 2,
      early_stopping: { policy: "none" },
    });
    const [first, second] = sweep.runs;
    await caller.finetuning.cancel({ finetuning_id: first!.finetuning_id! });
    await caller.finetuning.setGuardrails({
      finetuning_id: second!.finetuning_id!,
      guardrails: { max_runtime_seconds: { limit: 1, action: "cancel" } },
    });
    const done = await waitFor(() => caller.sweep.get({ sweep_id: sweep.id }), ended, 120_000);
    expect(done.status).toBe("completed");
    expect(done.runs.map((r) => r.status)).toEqual(["cancelled", "cancelled", "succeeded", "succeeded"]);
    const cancelledBy = async (id: string) =>
      (await db.jobEvent.findFirst({ where: { jobId: id, toStatus: "cancelled" }, select: { actor: true } }))?.actor;
    expect(await cancelledBy(first!.finetuning_id!)).toBe("api_key:test-operator");
    expect(await cancelledBy(second!.finetuning_id!)).toBe("guardrail");
    expect(done.best?.finetuning_id).toBeTruthy();
  }, 180_000);

  it("cancelling a sweep cancels its active runs through the bulk path; its waiting runs never start", async () => {
    const caller = await operator();
    const sweep = await newSweep("called-off", {
      grid: { learning_rate_multiplier: [1, 2, 3] },
      max_concurrent: 1,
      early_stopping: { policy: "none" },
    });
    const cancelled = await caller.sweep.cancel({ sweep_id: sweep.id });
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.end_reason).toBe("cancelled by api_key:test-operator");
    expect(cancelled.runs.map((r) => r.status)).toEqual(["cancelled", "skipped", "skipped"]);
    expect((await caller.sweep.cancel({ sweep_id: sweep.id })).status).toBe("cancelled");
    await expect(caller.sweep.pause({ sweep_id: sweep.id })).rejects.toMatchObject({ code: "CONFLICT" });
  }, 60_000);

  it("a worker restart mid-sweep, and a death between deciding and acting, lose no decision and make none twice", async () => {
    const caller = await operator();
    const sweep = await newSweep("restarted", {
      runs: [2, 6, 0.5, 9, 1, 0.1].map((lr) => ({ learning_rate_multiplier: lr, n_epochs: 2 })),
      max_concurrent: 3,
      early_stopping: { policy: "asha", metric: "train_loss", min_steps: 4, reduction_factor: 2 },
    });
    // Stop the worker once the sweep has made some decisions.
    await waitFor(
      () => db.sweepDecision.count({ where: { sweepId: sweep.id } }),
      (n) => n >= 3,
      60_000,
    );
    await worker!.stop();
    worker = null;
    // Meanwhile the runs go on training at the provider; a worker decides and dies before acting on its decisions.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { advanceJob } = await import("../../server/worker/advance");
    for (const run of (await caller.sweep.get({ sweep_id: sweep.id })).runs) {
      if (run.finetuning_id) await advanceJob({ db, provider, jobId: run.finetuning_id, pollSeconds: 0, createSettleMs: 2_000 });
    }
    const { decideSweep } = await import("../../server/sweeps/decide");
    await decideSweep({ db, sweepId: sweep.id });
    await decideSweep({ db, sweepId: sweep.id });
    // A new worker (as after an app and worker restart) carries on from the rows.
    await startTheWorker();
    const done = await waitFor(() => caller.sweep.get({ sweep_id: sweep.id }), ended, 240_000);
    expect(done.status).toBe("completed");
    const { stopped, best } = await expectRuleKept(db, done);
    expect(stopped).not.toContain(best);
    const unacted = await db.sweepDecision.count({ where: { sweepId: sweep.id, stop: true, actedAt: null } });
    expect(unacted).toBe(0);
  }, 300_000);
});
