// Sweeps in the sandbox with the real worker: the early-stopping rules stop
// exactly the runs that the rule, recomputed here from the recorded curves in
// the order the runs reached each milestone, says to stop; never the run that
// ends best; within max_concurrent and the budget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import type { RunningWorker } from "../../server/worker/runner";
import type { Sweep } from "../../server/sweeps/schema";
import { waitFor } from "../helpers/worker";
import { expectRuleKept, maxOverlap, type Db } from "./sweeps-check";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let worker: RunningWorker;
let db: Db;

beforeAll(async () => {
  await useIsolatedDatabase();
  const { sandboxProvider } = await import("../helpers/provider");
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 20, validatingMs: 50, queuedMs: 50, runningMs: 8_000 }));
  const { startWorker } = await import("../../server/worker/runner");
  db = (await import("../../server/db")).db();
  worker = await startWorker({ db, provider, pollMs: 200, reconcileMs: 300 });
}, 60_000);
afterAll(async () => {
  await worker.stop();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox.close();
});

async function operator() {
  const { callerAs } = await import("../helpers/callers");
  return callerAs("operator", provider);
}

async function connection() {
  const { makeConnection } = await import("../helpers/factories");
  return (await makeConnection(db, { goldenRecords: 12 })).connection.id;
}

async function finished(sweepId: string, timeoutMs = 240_000): Promise<Sweep> {
  const caller = await operator();
  return waitFor(
    () => caller.sweep.get({ sweep_id: sweepId }),
    (s) => s.status === "completed" || s.status === "cancelled",
    timeoutMs,
  );
}

// Good runs first: each rung's first arrivals set the bar the later, worse ones miss.
// Well apart and none diverging, so the run that ends best is also best at
// every rung, whatever order the runs reach it in: early stopping cannot
// promise that in general (a run that learns fast and then diverges can lead
// at a rung and stop the eventual winner), so the test keeps it true here.
const LRS = [2, 1, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015];

describe("sweeps", () => {
  it("asha over 8 runs stops exactly the runs the rule says, never the best, within max_concurrent", async () => {
    const caller = await operator();
    const created = await caller.sweep.create({
      name: "lr-asha",
      db_connection_id: await connection(),
      runs: LRS.map((lr) => ({ learning_rate_multiplier: lr, n_epochs: 2 })),
      max_concurrent: 3,
      early_stopping: { policy: "asha", metric: "valid_loss", min_steps: 4, reduction_factor: 2 },
    });
    expect(created.runs).toHaveLength(8);
    expect(created.runs.filter((r) => r.status === "waiting")).toHaveLength(5);

    const sweep = await finished(created.id);
    expect(sweep.status).toBe("completed");
    const { stopped, best } = await expectRuleKept(db, sweep);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped).not.toContain(best);
    expect(sweep.best?.finetuning_id).toBe(best);
    expect(sweep.best?.checkpoint_id).toMatch(/^ftckpt-/);
    expect(sweep.milestones).toEqual([4, 8, 16]);
    expect(await maxOverlap(db, sweep)).toBeLessThanOrEqual(3);
    // Judged on validation loss, not the train-loss fallback: each run holds out 1 of its 12 golden records to validate on.
    const judgedOn = await db.sweepDecision.groupBy({ by: ["metricName"], where: { sweepId: sweep.id } });
    expect(judgedOn.map((d) => d.metricName)).toEqual(["valid_loss"]);

    // A stop says why in the job's log, as the sweep, and went out as sweep.run_stopped.
    const events = await db.jobEvent.findMany({ where: { jobId: stopped[0]!, actor: "sweep" }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["status_change", "sweep_run_stopped"]));
    expect(events.find((e) => e.kind === "sweep_run_stopped")?.reason).toMatch(
      /^stopped early by sweep lr-asha: valid loss [\d.]+ at step \d+ > [\d.]+, the top 1\/2 cut at rung \d+ after \d+ runs?$/,
    );
    const [types] = await db.$queryRaw<Array<{ t: string[] }>>`SELECT webhook_event_types('sweep_run_stopped', NULL, NULL) AS t`;
    expect(types?.t).toEqual(["sweep.run_stopped"]);
  }, 300_000);

  it("median over 6 runs stops exactly the runs the rule says, never the best", async () => {
    const caller = await operator();
    const created = await caller.sweep.create({
      name: "lr-median",
      db_connection_id: await connection(),
      grid: { learning_rate_multiplier: [2, 0.5, 0.03, 1, 0.1, 0.2] },
      max_concurrent: 3,
      early_stopping: { policy: "median", metric: "train_loss", min_steps: 5 },
    });
    const sweep = await finished(created.id);
    expect(sweep.status).toBe("completed");
    const { stopped, best } = await expectRuleKept(db, sweep);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped).not.toContain(best);
    expect(await maxOverlap(db, sweep)).toBeLessThanOrEqual(3);
  }, 300_000);

  it("the budget stops the whole sweep through the bulk cancel; later runs never start", async () => {
    const caller = await operator();
    const created = await caller.sweep.create({
      name: "budget",
      db_connection_id: await connection(),
      grid: { learning_rate_multiplier: [1, 2, 3, 4] },
      max_concurrent: 2,
      max_cost_usd: 0.0005,
      early_stopping: { policy: "none" },
    });
    const sweep = await finished(created.id);
    expect(sweep.status).toBe("cancelled");
    expect(sweep.end_reason).toMatch(/^budget of \$0\.0005 reached: \$[\d.]+ spent$/);
    expect(sweep.runs.filter((r) => r.status === "skipped").length).toBeGreaterThan(0);
    const settled = await waitFor(
      () => caller.sweep.get({ sweep_id: created.id }),
      (s) => s.runs.every((r) => ["cancelled", "succeeded", "skipped"].includes(r.status)),
      30_000,
    );
    expect(settled.runs.filter((r) => r.status === "cancelled").length).toBeGreaterThan(0);
    const cancels = await db.jobEvent.findMany({
      where: { jobId: { in: settled.runs.flatMap((r) => (r.finetuning_id ? [r.finetuning_id] : [])) }, toStatus: "cancelled" },
    });
    expect(cancels.every((e) => e.actor === "sweep")).toBe(true);
    expect(await maxOverlap(db, sweep)).toBeLessThanOrEqual(2);
  }, 300_000);
});
