import type { Db } from "../db";
import { nearestLimitShare } from "../guardrails/rules";
import { readGuardrails } from "../guardrails/schema";
import { report } from "../observations";
import { planNextPoll, planOtherStep, type PollPlan } from "./poll-plan";

type PolledRow = {
  status: string;
  previous_poll: Date | null;
  created_at: Date;
  updated_at: Date;
  watched_until: Date | null;
  guardrails: unknown;
  sort_cost: number | null;
  polled_at: Date;
};

/**
 * After a step that read the job at its provider: records the read (one
 * statement, which also answers what the plan needs), reports how stale the
 * job had grown since the read before, and plans the next one.
 */
export async function planAfterPoll({ db, jobId }: { db: Db; jobId: string }): Promise<PollPlan | null> {
  const [row] = await db.$queryRaw<PolledRow[]>`
    UPDATE finetuning_jobs SET provider_polled_at = clock_timestamp()
    WHERE id = ${jobId}::uuid
    RETURNING status::text AS status, old.provider_polled_at AS previous_poll, created_at, updated_at, watched_until,
      guardrails, sort_cost, new.provider_polled_at AS polled_at`;
  if (!row) return null;
  const now = row.polled_at;
  const plan = planNextPoll({
    now,
    status: row.status,
    // The job's age stands for its time at the provider: a little early, so a runtime limit is watched a little sooner.
    runningSince: row.created_at,
    lastChangeAt: row.updated_at,
    watchedUntil: row.watched_until,
    guardrailShare: nearestLimitShare(readGuardrails(row.guardrails), { now, runningSince: row.created_at, costSoFarUsd: row.sort_cost }),
  });
  if (row.previous_poll)
    report({ kind: "poll_staleness", jobId, need: plan.need, seconds: (now.getTime() - row.previous_poll.getTime()) / 1000 });
  return plan;
}

/** After a step that did not read the job's state (a file upload, a cancel's re-send). */
export async function planAfterStep({ db, jobId, seconds }: { db: Db; jobId: string; seconds: number }): Promise<PollPlan> {
  const job = await db.finetuningJob.findUnique({ where: { id: jobId }, select: { status: true } });
  return planOtherStep(job?.status ?? "", seconds);
}
