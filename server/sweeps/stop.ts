import type { Db } from "../db";
import { SWEEP } from "../auth/actor";
import { AppError } from "../errors";
import { cancelJob } from "../finetuning/cancel";
import { cancelManyJobs } from "../finetuning/cancel-many";
import { findJobRow, JOB_SELECT, toWireJob } from "../finetuning/job-row";
import { pauseJob } from "../finetuning/pause";
import { ACTIVE_STATUSES } from "../finetuning/schema";
import { capabilitiesOf } from "../provider/capabilities";
import type { ProviderSource } from "../provider/types";

// Carrying out a sweep's decisions, through the same services a person's
// pause or cancel goes through, with the actor `sweep`: a stop pauses a
// running run where its provider can pause (it can be resumed or continued
// later), and cancels it elsewhere. A decision is marked carried out in the
// same statement that writes the sweep_run_stopped event (webhook
// sweep.run_stopped), so a crash in between carries it out again, and the
// services' own guards make the second attempt a no-op.

type PendingStop = { id: bigint; sweepId: string; jobId: string; milestone: number; reason: string };

async function stopRun(db: Db, provider: ProviderSource, stop: PendingStop): Promise<"stopped" | "ended" | "retry"> {
  const job = await findJobRow(db, stop.jobId);
  if (!job || !(ACTIVE_STATUSES as readonly string[]).includes(job.status)) return "ended";
  if (job.status === "pausing" || job.status === "paused" || job.status === "cancelling") return "stopped";
  try {
    if (job.status === "running" && capabilitiesOf(job.modelProvider).pauseResume) {
      await pauseJob({ db, provider, actor: SWEEP, id: stop.jobId, reason: stop.reason });
    } else {
      await cancelJob({ db, provider, actor: SWEEP, id: stop.jobId, reason: stop.reason, error: stop.reason });
    }
    return "stopped";
  } catch (error) {
    if (error instanceof AppError && error.code === "CONFLICT") {
      const now = await findJobRow(db, stop.jobId);
      return now && (ACTIVE_STATUSES as readonly string[]).includes(now.status) ? "retry" : "ended";
    }
    console.error(`sweep ${stop.sweepId} could not stop run ${stop.jobId} yet`, error);
    return "retry";
  }
}

async function settleStop(db: Db, stop: PendingStop, stopped: boolean): Promise<void> {
  const metadata = JSON.stringify({ sweep_id: stop.sweepId, milestone: stop.milestone });
  await db.$executeRaw`
    WITH d AS (
      UPDATE sweep_decisions SET acted_at = now() WHERE id = ${stop.id} AND acted_at IS NULL RETURNING job_id, sweep_id, milestone, reason
    ), r AS (
      UPDATE sweep_runs r SET stopped_at_step = d.milestone, stopped_reason = d.reason
      FROM d WHERE ${stopped} AND r.sweep_id = d.sweep_id AND r.job_id = d.job_id
    )
    INSERT INTO job_events (job_id, kind, actor, reason, metadata)
    SELECT job_id, 'sweep_run_stopped', 'sweep', reason, ${metadata}::jsonb FROM d WHERE ${stopped}`;
}

/** Carries out every stop decided and not yet carried out (oldest first). */
export async function carryOutStops({ db, provider }: { db: Db; provider: ProviderSource }): Promise<void> {
  const pending = await db.$queryRaw<PendingStop[]>`
    SELECT id, sweep_id::text AS "sweepId", job_id::text AS "jobId", milestone, reason
    FROM sweep_decisions WHERE stop AND acted_at IS NULL ORDER BY id LIMIT 100`;
  for (const stop of pending) {
    const outcome = await stopRun(db, provider, stop);
    if (outcome !== "retry") await settleStop(db, stop, outcome === "stopped");
  }
}

/** What the sweep's runs have cost so far, in USD (unknown prices count as 0). */
export async function sweepSpend(db: Db, sweepId: string): Promise<number> {
  const rows = await db.finetuningJob.findMany({ where: { sweepId }, select: JOB_SELECT });
  return rows.reduce((sum, row) => sum + (toWireJob(row).cost.so_far_usd ?? 0), 0);
}

/** Once the runs have cost max_cost_usd, the whole sweep stops: it is cancelled and its active runs with it, through the bulk path. */
export async function enforceBudget({ db, provider, sweepId }: { db: Db; provider: ProviderSource; sweepId: string }): Promise<boolean> {
  const sweep = await db.sweep.findUnique({ where: { id: sweepId }, select: { name: true, status: true, maxCostUsd: true } });
  if (!sweep || sweep.maxCostUsd === null || (sweep.status !== "running" && sweep.status !== "paused")) return false;
  const spent = await sweepSpend(db, sweepId);
  if (spent < sweep.maxCostUsd) return false;
  const reason = `budget of $${sweep.maxCostUsd} reached: $${spent.toFixed(4)} spent`;
  const moved = await db.sweep.updateMany({
    where: { id: sweepId, status: { in: ["running", "paused"] } },
    data: { status: "cancelled", endedAt: new Date(), endReason: reason },
  });
  if (moved.count === 0) return false;
  const active = await db.finetuningJob.findMany({
    where: { sweepId, deletedAt: null, status: { in: [...ACTIVE_STATUSES] } },
    select: { id: true },
  });
  if (active.length > 0) {
    await cancelManyJobs({
      db,
      provider,
      actor: SWEEP,
      input: {
        ids: active.map((j) => j.id),
        dry_run: false,
        metadata: { sweep: sweepId, stopped_because: `sweep ${sweep.name}: ${reason}` },
      },
    });
  }
  return true;
}
