import type { Db } from "../db";
import { env } from "../env";
import { providersIn, type ProviderSource } from "../provider/types";
import { startWorkerStep } from "../observations";
import { withCallPriority } from "../provider/budget";
import { advanceJob, cleanUpProviderSide } from "./advance";
import { planAfterPoll, planAfterStep } from "./next-poll";
import { stepNow, URGENT_PRIORITY } from "./poll-plan";
import type { Job, JobResult } from "pg-boss";
import {
  ADVANCE_QUEUE,
  enqueueAdvance,
  enqueueFleetRead,
  ensureFleetRead,
  jobsWithoutStep,
  FLEET_READ_QUEUE,
  queue,
  type AdvanceMessage,
  type FleetReadMessage,
} from "./queue";
import { FLEET_READ_SECONDS, readFleet } from "./fleet-read";
import { startHeartbeat } from "./heartbeat";
import { recheckGuardrails } from "../guardrails/recheck";
import { evaluateGuardrails, GUARDED_STATUSES } from "../guardrails/evaluate";
import type { JobStatus } from "../finetuning/schema";

const GUARDED = new Set<JobStatus>(GUARDED_STATUSES);
const logGuardrailError = (jobId: string) => (error: unknown) => {
  console.error(`guardrails of job ${jobId} could not be evaluated`, error);
  return false;
};
import { startWebhookDispatcher } from "../webhooks/dispatcher";
import { startSweepLoop } from "../sweeps/loop";

export type WorkerOptions = { db: Db; provider: ProviderSource; concurrency?: number; pollMs?: number; reconcileMs?: number };
export type RunningWorker = { stop(opts?: { timeoutMs?: number }): Promise<void> };

/**
 * Runs job steps from the durable queue, and every few seconds re-enqueues
 * every active job (the queue dedupes) and retries unfinished provider
 * clean-ups, so nothing depends on a step chain surviving a crash.
 */
export async function startWorker({
  db,
  provider,
  concurrency = 16,
  pollMs = 1_000,
  reconcileMs = 5_000,
}: WorkerOptions): Promise<RunningWorker> {
  const boss = await queue();
  const pollSeconds = Math.max(1, Math.round(pollMs / 1000));
  // The poll plan's intervals are for WORKER_POLL_MS 1000; a faster setting (tests) shortens them all alike.
  const pollUnit = pollMs / 1000;
  // A create that timed out may still land; wait well past one call's timeout before asking again.
  const createSettleMs = 2 * env().PROVIDER_TIMEOUT_MS + 5_000;
  const active = new Set<string>(); // the queue ids of the steps in hand

  const takeStep = async ({ jobId, urgent = false }: AdvanceMessage): Promise<void> => {
    const endStep = startWorkerStep();
    try {
      let result = await withCallPriority(urgent ? "urgent" : "routine", () =>
        advanceJob({ db, provider, jobId, pollSeconds, createSettleMs }),
      );
      // Guardrails are checked as each step brings the metrics in; one that
      // stopped the job has its clean-up step taken at once. A failed check
      // does not fail the step: the periodic check tries again.
      if (result.next === "later" && (await evaluateGuardrails({ db, provider, jobId }).catch(logGuardrailError(jobId)))) {
        const after = await db.finetuningJob.findUnique({ where: { id: jobId }, select: { status: true } });
        if (after && !GUARDED.has(after.status)) result = { next: "now" };
      }
      if (result.next === "now") await enqueueAdvance(jobId, stepNow(urgent));
      if (result.next === "later") {
        // Polling follows need: how soon, and how urgently, this job is read again.
        const plan = result.polled
          ? await planAfterPoll({ db, jobId })
          : await planAfterStep({ db, jobId, seconds: result.seconds / pollUnit });
        await enqueueAdvance(jobId, plan ? { ...plan, seconds: round(plan.seconds * pollUnit) } : { seconds: result.seconds });
      }
      endStep("ok");
    } catch (error) {
      endStep("error");
      throw error;
    }
  };

  // Steps are fetched in batches, several lanes at once, and each batch's
  // steps run side by side. pg-boss waits its polling interval after every
  // fetch that came back short, so one step a fetch would cap a lane at two
  // steps a second whatever the machine could do; a full batch fetches the
  // next at once. Each step settles on its own: one that fails is retried
  // without the rest of its batch.
  const { lanes, batchSize } = lanesFor(concurrency);
  const takeBatch = (messages: Job<AdvanceMessage>[]) =>
    Promise.all(
      messages.map(async (message): Promise<JobResult> => {
        active.add(message.id);
        try {
          await takeStep(message.data);
          return { id: message.id, status: "completed" };
        } catch (error) {
          console.error(`step of job ${message.data.jobId} failed; it is retried`, error);
          return { id: message.id, status: "failed", output: { message: error instanceof Error ? error.message : String(error) } };
        } finally {
          active.delete(message.id);
        }
      }),
    );
  const workerId = await boss.work(
    ADVANCE_QUEUE,
    {
      localConcurrency: lanes,
      batchSize,
      pollingIntervalSeconds: 0.5,
      burstWhenBatchFull: true,
      perJobResults: true,
      maxPriority: URGENT_PRIORITY - 1,
    },
    takeBatch,
  );
  // Urgent steps (a cancel to confirm, a guardrail near its limit, a watched
  // job) have lanes of their own. When the budget is tight the routine lanes
  // are busy with steps waiting for it, and a batch settles only when its
  // last step ends: an urgent step must neither wait for a routine lane to
  // come free nor, done, stay unsettled behind routine steps (the job's next
  // step cannot start until it is).
  const urgentWorkerId = await boss.work(
    ADVANCE_QUEUE,
    {
      // Four lanes of two: a step waiting for one provider's budget holds up one other urgent step, not three.
      localConcurrency: 4,
      batchSize: 2,
      pollingIntervalSeconds: 0.5,
      burstWhenBatchFull: true,
      minPriority: URGENT_PRIORITY,
      perJobResults: true,
    },
    takeBatch,
  );
  // Each provider's job list is read by one worker at a time, every FLEET_READ_SECONDS.
  const fleet = providersIn(provider);
  const fleetWorkerId = await boss.work<FleetReadMessage>(FLEET_READ_QUEUE, { pollingIntervalSeconds: 1 }, async ([message]) => {
    const at = fleet.find((p) => p.name === message?.data.provider);
    if (!at) return;
    try {
      await withCallPriority("urgent", () => readFleet({ db, provider: at }));
    } finally {
      await enqueueFleetRead(at.name, round(FLEET_READ_SECONDS * pollUnit));
    }
  });
  const heartbeat = await startHeartbeat(db);

  let reconciling = false;
  const reconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      // A safety net, not the schedule: only active jobs whose chain of steps
      // was lost (none queued or running) are queued again; the queue dedupes.
      for (const id of await jobsWithoutStep(db, 1_000)) await enqueueAdvance(id);
      for (const { name } of fleet) await ensureFleetRead(db, name);
      const unclean = await db.finetuningJob.findMany({
        where: {
          providerCleanedAt: null,
          OR: [{ status: { in: ["cancelled", "failed"] } }, { deletedAt: { not: null } }],
          NOT: { finetuningFileId: null, finetuningJobId: null },
        },
        select: { id: true },
        take: 100,
      });
      for (const { id } of unclean) await cleanUpProviderSide({ db, provider, id });
      // A stalled or queued job sends no metrics: its guardrails are checked here.
      await recheckGuardrails({ db, provider });
    } catch (error) {
      console.error("worker reconcile failed; trying again shortly", error);
    } finally {
      reconciling = false;
    }
  };
  // Webhook deliveries ride the same queue: every worker sends them.
  const webhooks = await startWebhookDispatcher({ db });
  // Sweeps judge their runs as new metric steps arrive, and start waiting runs as slots free.
  const sweeps = startSweepLoop({ db, provider, everyMs: Math.min(reconcileMs, 1_000) });
  const timer = setInterval(() => void reconcile(), reconcileMs);
  void reconcile();

  return {
    async stop({ timeoutMs = 10_000 } = {}) {
      clearInterval(timer);
      await sweeps.stop();
      await boss.offWork(FLEET_READ_QUEUE, { id: fleetWorkerId, wait: false }).catch(() => undefined);
      await webhooks.stop();
      // Finish the steps in hand within the bound. One still running then is
      // released (failed back to the queue; steps are idempotent), so another
      // worker takes it at once instead of after the heartbeat expires.
      let timeout: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all([workerId, urgentWorkerId].map((id) => boss.offWork(ADVANCE_QUEUE, { id, wait: true }))).then(() => true),
        new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timeout);
      if (!finished && active.size > 0) {
        await boss
          .fail(ADVANCE_QUEUE, [...active], { message: "the worker shut down mid-step" })
          .catch((error: unknown) => console.error("releasing steps failed; they are retried when their heartbeat expires", error));
      }
      await heartbeat.stop();
    },
  };
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;

/**
 * How `concurrency` steps in flight are fetched: up to four lanes, each
 * taking batches of at least four where the concurrency allows, so a busy
 * queue is drained in bursts (a full batch fetches the next at once) rather
 * than one step a lane every polling interval.
 */
export function lanesFor(concurrency: number): { lanes: number; batchSize: number } {
  const lanes = Math.max(1, Math.min(4, Math.floor(concurrency / 4)));
  return { lanes, batchSize: Math.ceil(concurrency / lanes) };
}
