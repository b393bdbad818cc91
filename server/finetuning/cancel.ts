import "server-only";
import type { Db } from "../db";
import { AppError } from "../errors";
import { observeCancel } from "../observations";
import { withCallPriority } from "../provider/budget";
import {
  isProviderTerminal,
  providerFor,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type FinetuningProvider,
  type ProviderJob,
  type ProviderSource,
} from "../provider/types";
import { actorLabel, PROVIDER, type Actor } from "../auth/actor";
import { notFound, statusConflict } from "./errors";
import { findJobRow, toWireJob, type JobRow } from "./job-row";
import { syncProviderStatus } from "./sync";
import { ACTIVE_STATUSES, CANCELLED_BY_USER_ERROR, isActive, type FinetuningJob, type JobStatus, type Metadata } from "./schema";
import { transitionJob } from "./transitions";
import { planOtherStep } from "../worker/poll-plan";
import { hurryAdvance } from "../worker/queue";

export type CancelJobArgs = {
  db: Db;
  provider: ProviderSource;
  actor: Actor;
  id: string;
  metadata?: Metadata | null;
  /** A guardrail's cancel says which rule and why (server/guardrails/evaluate.ts); a person's says "cancelled". */
  reason?: string;
  error?: string;
  /** Only cancel from these statuses (a guardrail leaves a paused job alone); default every active one. */
  onlyFrom?: readonly JobStatus[];
};

const MAX_ATTEMPTS = 8;
// A claim older than this belongs to a cancel that died; another may take over.
const CLAIM_STALE_SECONDS = 60;

/**
 * Cancels a job at any stage (docs/CONTRACT.md, "Cancel"). Idempotent; exactly one
 * transition however many cancels race; the provider job, when there is one,
 * is cancelled first so that a 200 never leaves it running. A provider that
 * only accepts the cancel (Together's cancel_requested) leaves the job
 * `cancelling`, which the worker follows until the provider confirms.
 */
export function cancelJob(args: CancelJobArgs): Promise<FinetuningJob> {
  return observeCancel(cancelJobOnce(args)); // counted by outcome for GET /metrics
}

async function cancelJobOnce(args: CancelJobArgs): Promise<FinetuningJob> {
  const { db, provider, id } = args;
  // The common case in one statement: an active job with no provider job yet
  // is cancelled locally, whatever stage the worker is at.
  const direct = await cancelLocally({ ...args, providerJobId: null });
  if (direct) return finish(direct);

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const job = await findJobRow(db, id);
    if (!job) throw notFound(id);
    if (job.status === "cancelled") return toWireJob(job);
    // Accepted already: the worker confirms it (and re-sends it on its backoff), not this request.
    if (job.status === "cancelling") return toWireJob(job);
    if (!isActive(job.status)) throw statusConflict(job);
    if (args.onlyFrom && !args.onlyFrom.includes(job.status))
      throw new AppError("CONFLICT", `Fine-tuning job ${id} is ${job.status}; left as it is.`);

    let providerStatus: string | null = null;
    if (job.finetuningJobId) {
      const at = providerFor(provider, job.modelProvider);
      const outcome = await cancelAtProvider({ db, provider: at, job, providerJobId: job.finetuningJobId });
      if (outcome.kind === "retry") continue;
      if (outcome.kind === "accepted") {
        const row = await markCancelling({ ...args, providerJobId: job.finetuningJobId, providerJob: outcome.providerJob });
        if (row) {
          await hurryAdvance(row.id, planOtherStep("cancelling", 0)).catch(() => undefined); // the worker's poll confirms it; its reconcile pass would too
          return toWireJob(row);
        }
        await releaseClaim(db, id);
        continue;
      }
      providerStatus = outcome.providerStatus;
    }

    const row = await cancelLocally({ ...args, providerJobId: job.finetuningJobId, providerStatus });
    if (row) return finish(row);
    // Lost a race (another cancel, the worker, or a provider job appeared): look again.
  }
  throw new AppError("CONFLICT", `Fine-tuning job ${id} kept changing while it was being cancelled; retry.`);
}

const NOT_CANCELLING = ACTIVE_STATUSES.filter((s) => s !== "cancelling");

/** The provider accepted the cancel but has not confirmed it: the guarded transition to cancelling. */
function markCancelling(
  args: Omit<CancelJobArgs, "provider"> & { providerJobId: string; providerJob: ProviderJob },
): Promise<JobRow | null> {
  const { metadata, providerJob } = args;
  return transitionJob({
    db: args.db,
    id: args.id,
    from: args.onlyFrom ?? NOT_CANCELLING,
    to: "cancelling",
    expectProviderJobId: args.providerJobId,
    actor: actorLabel(args.actor),
    reason: args.reason ?? (metadata && Object.keys(metadata).length > 0 ? JSON.stringify(metadata) : "cancel requested"),
    eventMetadata: metadata ?? null,
    patch: {
      error: args.error ?? CANCELLED_BY_USER_ERROR,
      mergeMetadata: metadata ?? null,
      clearCancelClaim: true,
      cancelSent: true,
      providerStatus: providerJob.providerStatus,
    },
  });
}

/**
 * The guarded transition to cancelled; null when the job is not active with
 * that provider job. `providerStatus`: the provider's word from its cancel
 * answer, so the row no longer shows the status last polled before it.
 */
function cancelLocally(
  args: Omit<CancelJobArgs, "provider"> & { providerJobId: string | null; providerStatus?: string | null },
): Promise<JobRow | null> {
  const { metadata } = args;
  return transitionJob({
    db: args.db,
    id: args.id,
    to: "cancelled",
    // Never a cancelling job: only the provider's confirmation ends that one.
    from: args.onlyFrom ?? NOT_CANCELLING,
    expectProviderJobId: args.providerJobId,
    actor: actorLabel(args.actor),
    reason: args.reason ?? (metadata && Object.keys(metadata).length > 0 ? JSON.stringify(metadata) : "cancelled"),
    eventMetadata: metadata ?? null,
    patch: {
      error: args.error ?? CANCELLED_BY_USER_ERROR,
      mergeMetadata: metadata ?? null,
      clearCancelClaim: true,
      ...(args.providerStatus ? { providerStatus: args.providerStatus } : {}),
    },
  });
}

async function finish(row: JobRow): Promise<FinetuningJob> {
  await requestProviderCleanup(row);
  return toWireJob(row);
}

/**
 * An ended job's training file (and any provider job a worker made meanwhile)
 * is cleaned up by the worker's next step of it (server/worker/advance.ts);
 * this queues that step. The provider job we know of is already cancelled.
 */
export async function requestProviderCleanup(row: Pick<JobRow, "id" | "finetuningFileId" | "finetuningJobId">): Promise<void> {
  if (!row.finetuningFileId && !row.finetuningJobId) return;
  await hurryAdvance(row.id).catch((error: unknown) => {
    console.error(`queueing the clean-up of ${row.id} failed; the worker's sweep does it`, error);
  });
}

/**
 * Cancelled there (with the provider's word for it; null when the provider no
 * longer knows the job); accepted there but not yet confirmed (the provider
 * job as it answered); or look again.
 */
type ProviderOutcome =
  { kind: "cancelled_there"; providerStatus: string | null } | { kind: "accepted"; providerJob: ProviderJob } | { kind: "retry" };

async function cancelAtProvider(args: {
  db: Db;
  provider: FinetuningProvider;
  job: JobRow;
  providerJobId: string;
}): Promise<ProviderOutcome> {
  const { db, provider, job, providerJobId } = args;
  const claimed = await claimCancel(db, job.id);
  if (!claimed) {
    await waitForOtherCancel(db, job.id);
    return { kind: "retry" };
  }
  let providerJob;
  try {
    // Someone waits for this answer: it goes ahead of the worker's reads in the provider's budget.
    providerJob = await withCallPriority("action", () => provider.cancelJob(providerJobId));
  } catch (error) {
    // Gone at the provider: nothing runs there, so cancelling here is enough.
    if (error instanceof ProviderNotFoundError) return { kind: "cancelled_there", providerStatus: null };
    await releaseClaim(db, job.id);
    if (error instanceof ProviderUnavailableError) {
      throw new AppError("BAD_GATEWAY", `The provider could not be reached to cancel job ${job.id}; nothing was changed. Retry.`, {
        cause: error,
      });
    }
    if (error instanceof ProviderRejectedError) {
      throw new AppError(
        "CONFLICT",
        `${provider.capabilities.label} refused to cancel job ${job.id}; nothing was changed: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  if (providerJob.status === "succeeded" || providerJob.status === "failed") {
    // It finished there first: record that, and the caller gets a CONFLICT.
    await syncProviderStatus({ db, id: job.id, providerJob, actor: PROVIDER });
    await releaseClaim(db, job.id);
    const now = await findJobRow(db, job.id);
    throw statusConflict(now ?? { ...job, status: providerJob.status });
  }
  return isProviderTerminal(providerJob.status)
    ? { kind: "cancelled_there", providerStatus: providerJob.providerStatus }
    : { kind: "accepted", providerJob };
}

async function claimCancel(db: Db, id: string): Promise<boolean> {
  const claimed = await db.$executeRaw`
    UPDATE finetuning_jobs SET cancel_claimed_at = now()
    WHERE id = ${id}::uuid AND status::text = ANY(${[...ACTIVE_STATUSES]}::text[])
      AND (cancel_claimed_at IS NULL OR cancel_claimed_at < now() - make_interval(secs => ${CLAIM_STALE_SECONDS}))`;
  return claimed === 1;
}

async function releaseClaim(db: Db, id: string): Promise<void> {
  await db.$executeRaw`UPDATE finetuning_jobs SET cancel_claimed_at = NULL WHERE id = ${id}::uuid`;
}

// Another request is cancelling at the provider: wait for its outcome instead
// of calling the provider again (at most one provider cancel call).
async function waitForOtherCancel(db: Db, id: string): Promise<void> {
  const deadline = Date.now() + (CLAIM_STALE_SECONDS + 5) * 1000;
  let delay = 20;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
    const row = await db.finetuningJob.findUnique({ where: { id }, select: { status: true, cancelClaimedAt: true } });
    if (!row || !isActive(row.status) || row.cancelClaimedAt === null) return;
  }
}
