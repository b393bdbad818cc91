import "server-only";
import type { Db } from "../db";
import { AppError } from "../errors";
import { withCallPriority } from "../provider/budget";
import { cannotReason, capabilitiesOf } from "../provider/capabilities";
import {
  providerFor,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type ProviderJob,
  type ProviderSource,
} from "../provider/types";
import { actorLabel, PROVIDER, type Actor } from "../auth/actor";
import { notFound } from "./errors";
import { findJobRow, toWireJob, type JobRow } from "./job-row";
import { syncProviderStatus } from "./sync";
import { isTerminal, PAUSABLE_STATUSES, RESUMABLE_STATUSES, type FinetuningJob, type JobStatus } from "./schema";
import { transitionJob } from "./transitions";

export type PauseJobArgs = { db: Db; provider: ProviderSource; actor: Actor; id: string; reason?: string | null };

const MAX_ATTEMPTS = 8;

/**
 * Pauses a running job (docs/CONTRACT.md, "Pause and resume"): the provider
 * first, then one guarded transition to what it answered (pausing or
 * paused), so however many pauses race there is one transition, audited with
 * who and why. Pausing a pausing or paused job answers it as it is.
 */
export function pauseJob(args: PauseJobArgs): Promise<FinetuningJob> {
  return moveAtProvider(args, {
    verb: "pause",
    from: PAUSABLE_STATUSES,
    already: RESUMABLE_STATUSES,
    call: (providerJobId, name) => providerFor(args.provider, name).pauseJob(providerJobId),
    accepts: (status) => status === "pausing" || status === "paused",
  });
}

/** Resumes a pausing or paused job; the provider answers it running (or queued). Resuming a running job answers it as it is. */
export function resumeJob(args: PauseJobArgs): Promise<FinetuningJob> {
  return moveAtProvider(args, {
    verb: "resume",
    from: RESUMABLE_STATUSES,
    already: PAUSABLE_STATUSES,
    call: (providerJobId, name) => providerFor(args.provider, name).resumeJob(providerJobId),
    accepts: (status) => status === "running" || status === "queued",
  });
}

type Move = {
  verb: "pause" | "resume";
  /** The statuses it moves a job from. */
  from: readonly JobStatus[];
  /** The statuses it would move a job to: a job already there is answered as it is. */
  already: readonly JobStatus[];
  call: (providerJobId: string, providerName: string) => Promise<ProviderJob>;
  accepts: (status: ProviderJob["status"]) => boolean;
};

async function moveAtProvider(args: PauseJobArgs, move: Move): Promise<FinetuningJob> {
  const { db, id } = args;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const job = await findJobRow(db, id);
    if (!job) throw notFound(id);
    if (!capabilitiesOf(job.modelProvider).pauseResume) {
      throw new AppError(
        "CONFLICT",
        `${cannotReason(job.modelProvider, `${move.verb} fine-tuning jobs`)} Job ${id} can only be cancelled.`,
      );
    }
    if (move.already.includes(job.status)) return toWireJob(job);
    if (!move.from.includes(job.status)) throw notMovable(job, move.verb);
    if (!job.finetuningJobId) throw notMovable(job, move.verb);

    const providerJob = await callProvider(job, job.finetuningJobId, job.modelProvider, move);
    if (!move.accepts(providerJob.status)) {
      // The provider sees the job elsewhere (it finished, or was already moved):
      // record that, then decide again from what it now is.
      await syncProviderStatus({ db, id, providerJob, actor: PROVIDER });
      continue;
    }
    const row = await transitionJob({
      db,
      id,
      from: move.from,
      to: providerJob.status,
      expectProviderJobId: job.finetuningJobId,
      actor: actorLabel(args.actor),
      reason: args.reason?.trim() || (move.verb === "pause" ? "paused" : "resumed"),
      eventMetadata: args.reason ? { reason: args.reason } : null,
    });
    if (row) return toWireJob(row);
    // Lost a race (another pause or resume, a cancel, the worker): look again.
  }
  throw new AppError("CONFLICT", `Fine-tuning job ${id} kept changing while it was being ${move.verb}d; retry.`);
}

async function callProvider(job: JobRow, providerJobId: string, providerName: string, move: Move): Promise<ProviderJob> {
  try {
    // Someone waits for this answer: it goes ahead of the worker's reads in the provider's budget.
    return await withCallPriority("action", () => move.call(providerJobId, providerName));
  } catch (error) {
    if (error instanceof ProviderRejectedError || error instanceof ProviderNotFoundError) {
      throw new AppError("CONFLICT", `The provider refused to ${move.verb} fine-tuning job ${job.id}: ${error.message}`, { cause: error });
    }
    if (error instanceof ProviderUnavailableError) {
      throw new AppError("BAD_GATEWAY", `The provider could not be reached to ${move.verb} job ${job.id}; nothing was changed. Retry.`, {
        cause: error,
      });
    }
    throw error;
  }
}

function notMovable(job: Pick<JobRow, "id" | "status" | "finetuningJobId">, verb: "pause" | "resume"): AppError {
  if (isTerminal(job.status)) {
    return new AppError("CONFLICT", `Fine-tuning job ${job.id} has already ${job.status}; it cannot be ${verb}d.`);
  }
  if (verb === "pause" && !job.finetuningJobId) {
    return new AppError(
      "CONFLICT",
      `Fine-tuning job ${job.id} is ${job.status} and has not started training at the provider yet; only a running job can be paused (cancel works at every stage).`,
    );
  }
  return verb === "pause"
    ? new AppError("CONFLICT", `Fine-tuning job ${job.id} is ${job.status}; only a running job can be paused.`)
    : new AppError("CONFLICT", `Fine-tuning job ${job.id} is ${job.status}; only a pausing or paused job can be resumed.`);
}
