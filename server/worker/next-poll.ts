import type { Db } from "../db";
import { nearestLimitShare, secondsUntilShare } from "../guardrails/rules";
import { providerMaxRps } from "../env";
import { ACTIVE_STATUSES } from "../finetuning/schema";
import { readGuardrails } from "../guardrails/schema";
import { report } from "../observations";
import { GUARDRAIL_NEAR_SHARE, planNextPoll, planOtherStep, pollFloorSeconds, watchedPollCap, type PollPlan } from "./poll-plan";

type PolledRow = {
  status: string;
  previous_poll: Date | null;
  created_at: Date;
  updated_at: Date;
  watched_until: Date | null;
  guardrails: unknown;
  sort_cost: number | null;
  polled_at: Date;
  model_provider: string;
};

// How many jobs are active, and watched, at each provider, read at most
// every few seconds per process: the routine poll floor and the share of
// watched polls follow them (poll-plan.ts).
const COUNT_EVERY_MS = 5_000;
type Counts = { active: number; watched: number };
let counts: { at: number; byProvider: Map<string, Counts> } | null = null;

async function jobsAt(db: Db, provider: string): Promise<Counts> {
  if (!counts || Date.now() - counts.at > COUNT_EVERY_MS) {
    const rows = await db.$queryRaw<Array<{ provider: string; active: number; watched: number }>>`
      SELECT model_provider AS provider, count(*)::int AS active, count(*) FILTER (WHERE watched_until > now())::int AS watched
      FROM finetuning_jobs WHERE status::text = ANY(${[...ACTIVE_STATUSES]}::text[]) AND deleted_at IS NULL
      GROUP BY model_provider`;
    counts = { at: Date.now(), byProvider: new Map(rows.map((r) => [r.provider, { active: r.active, watched: r.watched }])) };
  }
  return counts.byProvider.get(provider) ?? { active: 0, watched: 0 };
}

/**
 * After a step that read the job at its provider: records the read (one
 * statement, which also answers what the plan needs), reports how stale the
 * job had grown since the read before, and plans the next one.
 */
export async function planAfterPoll({ db, jobId, pollUnit = 1 }: { db: Db; jobId: string; pollUnit?: number }): Promise<PollPlan | null> {
  const [row] = await db.$queryRaw<PolledRow[]>`
    UPDATE finetuning_jobs SET provider_polled_at = clock_timestamp()
    WHERE id = ${jobId}::uuid
    RETURNING status::text AS status, old.provider_polled_at AS previous_poll, created_at, updated_at, watched_until,
      guardrails, sort_cost, new.provider_polled_at AS polled_at, model_provider`;
  if (!row) return null;
  const now = row.polled_at;
  const guardrails = readGuardrails(row.guardrails);
  const pace = { now, runningSince: row.created_at, costSoFarUsd: row.sort_cost };
  // Both in real seconds; the plan counts in poll units (WORKER_POLL_MS).
  const budget = providerMaxRps(row.model_provider);
  const { active, watched } = await jobsAt(db, row.model_provider);
  const floor = pollFloorSeconds(active, budget);
  const plan = planNextPoll({
    routineFloorSeconds: floor / pollUnit,
    secondsUntilGuardrailNear: secondsUntilShare(guardrails, pace, GUARDRAIL_NEAR_SHARE) / pollUnit,
    now,
    status: row.status,
    // The job's age stands for its time at the provider: a little early, so a runtime limit is watched a little sooner.
    runningSince: row.created_at,
    lastChangeAt: row.updated_at,
    watchedUntil: row.watched_until,
    guardrailShare: nearestLimitShare(guardrails, pace),
  });
  // However many jobs people open at once, their polls keep to their share of the budget.
  if (plan.need === "watched") plan.seconds *= Math.max(1, watched / watchedPollCap(budget, plan.seconds * pollUnit));
  if (row.previous_poll)
    report({ kind: "poll_staleness", jobId, need: plan.need, seconds: (now.getTime() - row.previous_poll.getTime()) / 1000 });
  return plan;
}

/** After a step that did not read the job's state (a file upload, a cancel's re-send). */
export async function planAfterStep({ db, jobId, seconds }: { db: Db; jobId: string; seconds: number }): Promise<PollPlan> {
  const job = await db.finetuningJob.findUnique({ where: { id: jobId }, select: { status: true } });
  return planOtherStep(job?.status ?? "", seconds);
}
