import type { Db } from "../db";
import { actorLabel, WORKER } from "../auth/actor";
import { JOB_SELECT, type JobRow } from "../finetuning/job-row";
import { ACTIVE_STATUSES, isActive, isTerminal, MIN_GOLDEN_RECORDS, type JobStatus } from "../finetuning/schema";
import { providerViewChanged, syncProviderStatus } from "../finetuning/sync";
import { countTrainingFileTokens } from "../finetuning/token-count";
import { transitionJob } from "../finetuning/transitions";
import {
  isProviderTerminal,
  providerFor,
  ProviderNotFoundError,
  ProviderRejectedError,
  type FileRole,
  type FinetuningProvider,
  type ProviderJob,
  type ProviderSource,
} from "../provider/types";
import { followCancel } from "./confirm-cancel";
import { mirrorProviderEvents } from "./events";
import { planOf } from "./poll-plan";
import { recordProviderProgress } from "./provider-progress";
import { buildTrainingFiles } from "./training-file";
import {
  confirmShared,
  contentKey,
  findSharedFile,
  forgetFile,
  knownProcessed,
  markProcessed,
  releaseFile,
  shareFile,
} from "./shared-files";

/** `polled`: the step read the job's state at its provider (the poll plan decides when it is read again). */
export type StepResult = { next: "now" } | { next: "later"; seconds: number; polled?: true } | { next: "done" };
export type StepArgs = {
  db: Db;
  provider: ProviderSource;
  jobId: string;
  pollSeconds: number;
  /** How long an unanswered create may still take effect at the provider. */
  createSettleMs?: number;
  /** How long a cancel may wait for the provider's confirmation (default CANCEL_CONFIRM_TIMEOUT_MS). */
  cancelConfirmTimeoutMs?: number;
};

const DEFAULT_CREATE_SETTLE_MS = 45_000;

/** A step's arguments once the job's own provider is known. */
type JobStep = Omit<StepArgs, "provider"> & { provider: FinetuningProvider };

const NOW: StepResult = { next: "now" };
const DONE: StepResult = { next: "done" };
const worker = actorLabel(WORKER);
// Active, with no provider job yet: the training file is being built, uploaded or checked.
const PREPARING = ["queued", "validating_files"] as const satisfies readonly JobStatus[];

/**
 * Takes the next step of one job. Every step claims the job with a guarded
 * write before acting on what it read, and stands down when the job was
 * cancelled meanwhile (what it made at the provider and the job does not
 * know of, it deletes or cancels at once). Steps are idempotent: a step killed
 * half-way is simply taken again.
 *
 * The step of an ended job (cancelled, failed or deleted) is its provider
 * clean-up, the one place that does it: cancel and delete enqueue this step,
 * the worker's own steps end in it, the reconcile pass retries it.
 */
export async function advanceJob(stepArgs: StepArgs): Promise<StepResult> {
  const job = await stepArgs.db.finetuningJob.findUnique({
    where: { id: stepArgs.jobId },
    select: {
      ...JOB_SELECT,
      deletedAt: true,
      providerCreateAttemptedAt: true,
      lastProviderEventId: true,
      cancelSentAt: true,
      cancelSends: true,
      validationFileId: true,
      fromCheckpoint: true,
    },
  });
  if (!job) return DONE;
  // A cancelling job is followed until the provider confirms, even once deleted from the list.
  if (!isActive(job.status) || (job.deletedAt && job.status !== "cancelling")) {
    await cleanUpProviderSide({ db: stepArgs.db, provider: stepArgs.provider, id: job.id });
    return DONE;
  }
  const args: JobStep = { ...stepArgs, provider: providerFor(stepArgs.provider, job.modelProvider) };
  if (job.status === "cancelling" && job.finetuningJobId) return followCancel(args, job, job.finetuningJobId);
  if (job.finetuningJobId) return followProviderJob(args, job, job.finetuningJobId);
  if (!job.finetuningFileId) return uploadTrainingFile(args, job);
  return createProviderJob(args, job, job.finetuningFileId);
}

async function failJob(args: JobStep, from: readonly JobStatus[], message: string): Promise<StepResult> {
  const failed = await transitionJob({
    db: args.db,
    id: args.jobId,
    from,
    to: "failed",
    actor: worker,
    reason: message,
    patch: { error: message },
  });
  return failed ? NOW : DONE; // failed: the next step cleans up; otherwise whoever moved it did
}

async function uploadTrainingFile(args: JobStep, job: JobRow): Promise<StepResult> {
  const { db, provider, jobId } = args;
  if (job.status === "running") {
    return failJob(args, ["running"], "The job was marked running but has no training file; it cannot continue.");
  }
  if (job.status === "queued") {
    const claimed = await transitionJob({
      db,
      id: jobId,
      from: ["queued"],
      to: "validating_files",
      actor: worker,
      reason: "building and uploading the training file",
    });
    if (!claimed) return NOW;
  }
  if (job.goldenRecordIds.length < MIN_GOLDEN_RECORDS) {
    return failJob(
      args,
      ["validating_files"],
      `Fine-tuning needs at least ${MIN_GOLDEN_RECORDS} golden records; this job has ${job.goldenRecordIds.length}.`,
    );
  }
  const files = await buildTrainingFiles({ db, jobId });
  const wanted: Array<{ role: FileRole; jsonl: string; sha256: string }> = [
    { role: "training", jsonl: files.training, sha256: contentKey(files.training) },
  ];
  if (files.validation !== null) wanted.push({ role: "validation", jsonl: files.validation, sha256: contentKey(files.validation) });
  // A file of the same content already at the provider is shared; the rest are uploaded, then offered to later jobs.
  const found = await Promise.all(wanted.map((w) => findSharedFile(db, { provider: provider.account, sha256: w.sha256, role: w.role })));
  const uploaded: Array<{ fileId: string; sha256: string; role: FileRole }> = [];
  try {
    for (const [i, w] of wanted.entries()) {
      if (found[i]) continue;
      uploaded.push({ ...(await provider.uploadTrainingFile({ jobId, jsonl: w.jsonl, role: w.role })), sha256: w.sha256, role: w.role });
    }
  } catch (error) {
    // The job will not know of a file uploaded before the failure: it must not outlive this step.
    await Promise.all(uploaded.map((u) => provider.deleteFile(u.fileId).catch(() => undefined)));
    if (error instanceof ProviderRejectedError)
      return failJob(args, ["validating_files"], `The provider rejected the training file: ${error.message}`);
    throw error;
  }
  for (const u of uploaded) await shareFile(db, { provider: provider.account, ...u });
  const fileIdOf = (role: FileRole) =>
    found[wanted.findIndex((w) => w.role === role)]?.fileId ?? uploaded.find((u) => u.role === role)?.fileId;
  const fileId = fileIdOf("training")!;
  const validationFileId = fileIdOf("validation");
  const trainingFileTokens = countTrainingFileTokens(files.training, job.modelName);
  const recorded = await transitionJob({
    db,
    id: jobId,
    from: ["validating_files"],
    to: "validating_files",
    actor: worker,
    patch: { finetuningFileId: fileId, validationFileId, trainingFileTokens },
  });
  const mine = [fileId, validationFileId].filter((id): id is string => id !== undefined);
  if (!recorded) {
    // Cancelled while uploading: the files go unless another job uses them.
    for (const id of mine) if (await releaseFile(db, { fileId: id, jobId })) await provider.deleteFile(id);
    return NOW;
  }
  // A shared file whose last other user let it go meanwhile is being deleted: upload our own instead.
  for (const id of mine) if (!(await confirmShared(db, id))) await dropFile(args, id);
  return NOW;
}

/**
 * The job lets go of its files because one is lost or being deleted: its next
 * step takes them again, the one still at the provider as a shared file (by
 * content), the other uploaded anew.
 */
async function dropFile({ db, jobId }: JobStep, fileId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE finetuning_jobs SET finetuning_file_id = NULL, validation_file_id = NULL
    WHERE id = ${jobId}::uuid AND ${fileId} IN (finetuning_file_id, validation_file_id)
      AND status IN ('queued', 'validating_files') AND finetuning_job_id IS NULL`;
}

type CreateInput = JobRow & { providerCreateAttemptedAt: Date | null; validationFileId: string | null; fromCheckpoint: string | null };

async function createProviderJob(args: JobStep, job: CreateInput, fileId: string): Promise<StepResult> {
  const { db, provider, jobId } = args;
  for (const [id, what] of [
    [fileId, "training"],
    [job.validationFileId, "validation"],
  ] as const) {
    if (id === null || (await knownProcessed(db, id))) continue;
    const file = await provider.fileState(id);
    if (file.status === "processing") return { next: "later", seconds: 1 };
    if (file.status === "error") {
      await forgetFile(db, id); // not offered to later jobs: they upload their own
      return failJob(args, PREPARING, `The provider rejected the ${what} file: ${file.message}`);
    }
    await markProcessed(db, id);
  }

  const providerJob = await createOnce(args, job, fileId);
  if (providerJob === "wait") return { next: "later", seconds: 1 };
  if (providerJob instanceof ProviderRejectedError) {
    if (await lostSharedFile(args, [fileId, job.validationFileId])) return NOW;
    return failJob(args, PREPARING, providerJob.message);
  }
  const recorded = await transitionJob({
    db,
    id: jobId,
    from: PREPARING,
    to: job.status,
    expectProviderJobId: null,
    actor: worker,
    patch: { finetuningJobId: providerJob.id },
  });
  if (!recorded) {
    // Cancelled while the provider job was being created: it must not outlive
    // us, and the job does not know of it. The next step deletes the file.
    await provider.cancelJob(providerJob.id);
    return NOW;
  }
  // Its first read comes after the creates of the other new jobs waiting:
  // a job just created at the provider is only validating there.
  return { next: "later", seconds: planOf("starting").seconds };
}

/**
 * A shared file the provider no longer has (deleted there by hand, or a key
 * for another account): it is offered no more and the job uploads its own.
 */
async function lostSharedFile(args: JobStep, fileIds: Array<string | null>): Promise<boolean> {
  const { db, provider } = args;
  for (const fileId of fileIds) {
    if (!fileId) continue;
    const gone = await provider.fileState(fileId).then(
      () => false,
      (error: unknown) => {
        if (error instanceof ProviderNotFoundError) return true;
        throw error;
      },
    );
    if (gone && (await forgetFile(db, fileId))) {
      await dropFile(args, fileId);
      return true;
    }
  }
  return false;
}

/**
 * Asks the provider to create the job, unless an earlier ask whose answer
 * never came (a timeout, a dropped connection) may still take effect: within
 * the settle window the job is only looked up, so it is never created twice.
 */
async function createOnce(args: JobStep, job: CreateInput, fileId: string): Promise<ProviderJob | "wait" | ProviderRejectedError> {
  const { db, provider, jobId } = args;
  const attempted = job.providerCreateAttemptedAt;
  if (attempted && Date.now() - attempted.getTime() < (args.createSettleMs ?? DEFAULT_CREATE_SETTLE_MS)) {
    return (await provider.findJobFor(jobId)) ?? "wait";
  }
  // Claimed as a compare-and-set: of two steps that read the same attempt, one asks, the other looks up next time.
  const claimed = await db.$executeRaw`
    UPDATE finetuning_jobs SET provider_create_attempted_at = now()
    WHERE id = ${jobId}::uuid AND provider_create_attempted_at IS NOT DISTINCT FROM ${attempted}::timestamptz`;
  if (claimed === 0) return "wait";
  try {
    return await provider.createJob({
      jobId,
      fileId,
      validationFileId: job.validationFileId,
      fromCheckpoint: job.fromCheckpoint,
      model: job.modelName,
      parameters: job.modelParameters as Parameters<FinetuningProvider["createJob"]>[0]["parameters"],
      suffix: job.alias ? job.alias.replace(/[^a-zA-Z0-9-]/g, "-").slice(0, 18) : null,
      firstAttempt: attempted === null,
    });
  } catch (error) {
    if (error instanceof ProviderRejectedError) return error;
    throw error;
  }
}

async function followProviderJob(
  args: JobStep,
  job: JobRow & { lastProviderEventId: string | null },
  providerJobId: string,
): Promise<StepResult> {
  const { db, provider, jobId } = args;
  let providerJob;
  try {
    providerJob = await provider.retrieveJob(providerJobId);
  } catch (error) {
    if (!(error instanceof ProviderNotFoundError)) throw error;
    return failJob(
      args,
      ACTIVE_STATUSES,
      `The provider no longer knows job ${providerJobId} (deleted there, or a restarted local sandbox).`,
    );
  }
  const { newSteps } = await mirrorProviderEvents({ db, provider, jobId, providerJobId, lastProviderEventId: job.lastProviderEventId });
  await recordProviderProgress({ db, provider, job, providerJob, newSteps });
  if (providerViewChanged(job, providerJob)) {
    const synced = await syncProviderStatus({ db, id: jobId, providerJob, actor: WORKER });
    if (!synced) return NOW; // someone else moved it (a cancel): look again
  }
  if (isTerminal(providerJob.status)) return providerJob.status === "succeeded" ? DONE : NOW;
  return { next: "later", seconds: args.pollSeconds, polled: true };
}

/**
 * After a job ended (cancelled, failed or deleted): make sure no provider job
 * for it keeps running and delete its training and validation files. Idempotent, and
 * bookkept in provider_cleaned_at, so the reconcile pass can find what is left.
 */
export async function cleanUpProviderSide(args: { db: Db; provider: ProviderSource; id: string }): Promise<void> {
  const { db, id } = args;
  const job = await db.finetuningJob.findUnique({
    where: { id },
    select: {
      status: true,
      modelProvider: true,
      finetuningFileId: true,
      validationFileId: true,
      finetuningJobId: true,
      providerCleanedAt: true,
      deletedAt: true,
    },
  });
  if (!job || job.providerCleanedAt || (!job.finetuningFileId && !job.finetuningJobId)) return;
  // An active job is the worker's; a succeeded one keeps its file until it is deleted.
  if (isActive(job.status) || (job.status === "succeeded" && job.deletedAt === null)) return;
  const provider = providerFor(args.provider, job.modelProvider);

  if (job.finetuningJobId) {
    const there = await provider.retrieveJob(job.finetuningJobId).catch((error: unknown) => {
      if (error instanceof ProviderNotFoundError) return null; // nothing left to stop
      throw error;
    });
    if (there && !isProviderTerminal(there.status)) await provider.cancelJob(job.finetuningJobId);
  }
  // A file shared with jobs that still use it stays; the last user's clean-up deletes it.
  for (const fileId of [job.finetuningFileId, job.validationFileId]) {
    if (fileId && (await releaseFile(db, { fileId, jobId: id }))) await provider.deleteFile(fileId);
  }
  // Bookkeeping, not a change of the job: updated_at stays as it was.
  await db.$executeRaw`UPDATE finetuning_jobs SET provider_cleaned_at = now() WHERE id = ${id}::uuid AND provider_cleaned_at IS NULL`;
}
