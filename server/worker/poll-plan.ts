// How soon, and how urgently, the worker looks at a job at its provider
// again. Polling follows need, not the number of jobs: what a person waits on
// comes first and often, a job that has said nothing new for a while is
// looked at less often, and none waits longer than QUIET_MAX_SECONDS between
// polls (plus the queue's own delay when the provider's request budget is
// spent). The request budget (server/provider/budget.ts) caps the total; the
// plan decides who goes first within it.

/** Why a job is polled when it is, from the most urgent. */
export const POLL_NEEDS = ["confirming_cancel", "guardrail_near", "watched", "starting", "changing", "quiet"] as const;
export type PollNeed = (typeof POLL_NEEDS)[number];

export type PollPlan = {
  need: PollNeed;
  seconds: number;
  /** The queue's priority: higher is taken first. */
  priority: number;
  /** Its provider requests may use the budget's urgent reserve. */
  urgent: boolean;
};

/** The longest a running job goes between polls. */
export const QUIET_MAX_SECONDS = 45;
/** A guardrail this close to its limit (a share of it) makes its job urgent. */
export const GUARDRAIL_NEAR_SHARE = 0.8;

const PLANS: Record<Exclude<PollNeed, "quiet">, Omit<PollPlan, "need">> = {
  confirming_cancel: { seconds: 2, priority: 40, urgent: true },
  guardrail_near: { seconds: 2, priority: 30, urgent: true },
  watched: { seconds: 3, priority: 30, urgent: true },
  starting: { seconds: 5, priority: 20, urgent: false },
  changing: { seconds: 10, priority: 10, urgent: false },
};

/** The lowest priority of an urgent step (guardrail_near, watched, confirming_cancel): the worker keeps a lane for these. */
export const URGENT_PRIORITY = Math.min(
  ...Object.values(PLANS)
    .filter((p) => p.urgent)
    .map((p) => p.priority),
);

// A job counts as starting for its first minutes of training, and as
// changing while its provider reported something new recently.
const STARTING_FOR_MS = 3 * 60_000;
const CHANGING_FOR_MS = 2 * 60_000;

export type PollFacts = {
  now: Date;
  /** Our status for the job. */
  status: string;
  /** When its training started at the provider (null before). */
  runningSince: Date | null;
  /** When the provider last told us something new (a step, a status). */
  lastChangeAt: Date | null;
  /** Until when a person is looking at it (an open detail page, a watched sweep). */
  watchedUntil: Date | null;
  /** How close its nearest guardrail is to its limit, as a share of the limit (0 when it has none). */
  guardrailShare: number;
  /** When, at the pace so far, its nearest guardrail comes near its limit (GUARDRAIL_NEAR_SHARE), in seconds from now; none: never. */
  secondsUntilGuardrailNear?: number;
  /**
   * The fewest seconds between two routine polls of one job that keep all
   * routine polls at its provider within their share of the request budget
   * (pollFloorSeconds); 0 when the budget is ample. A routine poll waits at
   * least this long; the fleet read (server/worker/fleet-read.ts) keeps each
   * job's status fresh meanwhile.
   */
  routineFloorSeconds?: number;
};

export function planNextPoll(facts: PollFacts): PollPlan {
  const now = facts.now.getTime();
  const plan = (need: Exclude<PollNeed, "quiet">): PollPlan => ({ need, ...PLANS[need] });
  if (facts.status === "cancelling") return plan("confirming_cancel");
  if (facts.guardrailShare >= GUARDRAIL_NEAR_SHARE) return plan("guardrail_near");
  if (facts.watchedUntil && facts.watchedUntil.getTime() > now) return plan("watched");
  return routine(facts, routineNeed(facts, now));
}

function routineNeed(facts: PollFacts, now: number): PollPlan {
  if (facts.runningSince && now - facts.runningSince.getTime() < STARTING_FOR_MS) return planOf("starting");
  const quietForMs = facts.lastChangeAt ? now - facts.lastChangeAt.getTime() : Number.POSITIVE_INFINITY;
  if (quietForMs < CHANGING_FOR_MS) return planOf("changing");
  // Quiet: back off with how long it has been quiet, up to the bound.
  const seconds = Math.min(QUIET_MAX_SECONDS, Math.round(15 + (Number.isFinite(quietForMs) ? quietForMs / 1000 / 10 : QUIET_MAX_SECONDS)));
  return { need: "quiet", seconds, priority: 0, urgent: false };
}

/**
 * A routine poll waits out the budget's floor, but never past the moment its
 * guardrail is due to come near its limit: it is read again just before.
 */
function routine(facts: PollFacts, plan: PollPlan): PollPlan {
  const seconds = Math.max(plan.seconds, facts.routineFloorSeconds ?? 0);
  const near = facts.secondsUntilGuardrailNear ?? Number.POSITIVE_INFINITY;
  if (near < seconds) return { ...planOf("guardrail_near"), seconds: Math.max(PLANS.guardrail_near.seconds, Math.floor(near)) };
  return { ...plan, seconds };
}

/** The plan of one need, with its own interval unless `seconds` is given. */
export function planOf(need: Exclude<PollNeed, "quiet">, seconds = PLANS[need].seconds): PollPlan {
  return { need, ...PLANS[need], seconds };
}

/** Requests one routine poll of a running job makes: the job, and its new events. */
export const CALLS_PER_POLL = 2;
/** The share of a provider's budget routine polls plan to use; the rest is for urgent reads, fleet reads and new jobs. */
export const ROUTINE_BUDGET_SHARE = 0.5;

/** The share of a provider's budget polls of watched jobs may use together; past it, each is polled less often. */
export const WATCHED_BUDGET_SHARE = 0.3;

/** How many watched jobs a provider's budget polls every `seconds` within WATCHED_BUDGET_SHARE (at least 1). */
export function watchedPollCap(ratePerSecond: number, seconds: number): number {
  return Math.max(1, (WATCHED_BUDGET_SHARE * ratePerSecond * seconds) / CALLS_PER_POLL);
}

/** The routine poll floor for `activeJobs` jobs at a provider allowing `ratePerSecond` requests (PollFacts.routineFloorSeconds). */
export function pollFloorSeconds(activeJobs: number, ratePerSecond: number): number {
  return (activeJobs * CALLS_PER_POLL) / (ROUTINE_BUDGET_SHARE * ratePerSecond);
}

/** A step that did not read the job's state keeps its own delay; a cancel being confirmed stays urgent, the rest are a job starting. */
export function planOtherStep(status: string, seconds: number): PollPlan {
  return planOf(status === "cancelling" ? "confirming_cancel" : "starting", seconds);
}

/**
 * The queue priority of a job being prepared (its files uploaded, its
 * provider job created): above every routine poll, so a burst of new jobs
 * reaches the provider at the budget's rate instead of queueing behind polls
 * of the jobs already there; below every urgent read.
 */
export const PREPARING_PRIORITY = 25;

/** A step to take at once: urgent when the step before it was; otherwise a job moving along, ahead of routine polls. */
export function stepNow(urgent: boolean): PollPlan {
  return urgent ? planOtherStep("cancelling", 0) : { ...planOtherStep("", 0), priority: PREPARING_PRIORITY };
}
