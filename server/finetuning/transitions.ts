import "server-only";
import { Prisma } from "../generated/prisma/client";
import type { Db } from "../db";
import { announceJobChange } from "./announce";
import { JOB_COLUMNS_SQL, type JobRow } from "./job-row";
import { isTerminal, type JobStatus, type Metadata } from "./schema";

export type TransitionPatch = {
  error?: string | null;
  /** The error only when the job has none yet (a confirmed cancel keeps the canceller's). */
  defaultError?: string;
  finetuningFileId?: string;
  /** The held-out records' file, uploaded with the training file. */
  validationFileId?: string;
  finetuningJobId?: string;
  modelId?: string;
  /** Tokens in the training file, counted when it was built (the cost estimate's base). */
  trainingFileTokens?: number;
  mergeMetadata?: Metadata | null;
  clearCancelClaim?: boolean;
  /** The provider's own status word (provider_status). */
  providerStatus?: string;
  /** The price the provider reports, in USD. */
  reportedPriceUsd?: number;
  /** The provider accepted a cancel it confirms later: stamp when (first and last) it was sent. */
  cancelSent?: boolean;
};

export type TransitionArgs = {
  db: Db;
  id: string;
  from: readonly JobStatus[];
  to: JobStatus;
  actor: string;
  reason?: string | null;
  eventMetadata?: Record<string, unknown> | null;
  patch?: TransitionPatch;
  // Also require the provider job id to be what the caller saw (undefined: don't care).
  expectProviderJobId?: string | null;
};

/**
 * The only way a job's status (or worker-owned fields) changes: one guarded
 * compare-and-set statement that also appends the event when the status
 * moved. Returns null when the guard did not hold, so the caller lost a race
 * and must re-read. Terminal statuses are never a `from`.
 */
export async function transitionJob(args: TransitionArgs): Promise<JobRow | null> {
  const { db, id, from, to, actor, patch = {} } = args;
  if (from.some(isTerminal)) {
    throw new Error(`transitionJob: a terminal status never changes (from ${from.join(",")})`);
  }
  const providerGuard =
    args.expectProviderJobId === undefined
      ? Prisma.empty
      : Prisma.sql`AND finetuning_job_id IS NOT DISTINCT FROM ${args.expectProviderJobId}`;
  const setError = patch.error !== undefined;
  const merge = patch.mergeMetadata ? JSON.stringify(patch.mergeMetadata) : null;
  const eventMetadata = args.eventMetadata ? JSON.stringify(args.eventMetadata) : null;

  // The guard is the UPDATE's own WHERE: under a concurrent change Postgres
  // re-checks it on the newest row version, and RETURNING old.status (Postgres
  // 18) is the status of the version it changed — no separate row lock and
  // read (a SELECT … FOR UPDATE cost a lock record and a scan per cancel).
  const rows = await db.$queryRaw<JobRow[]>`
    WITH upd AS (
      UPDATE finetuning_jobs AS t SET
        status = ${to}::"JobStatus",
        updated_at = now(),
        error = CASE WHEN ${setError} THEN ${patch.error ?? null} ELSE COALESCE(t.error, ${patch.defaultError ?? null}) END,
        finetuning_file_id = COALESCE(${patch.finetuningFileId ?? null}, t.finetuning_file_id),
        validation_file_id = COALESCE(${patch.validationFileId ?? null}, t.validation_file_id),
        finetuning_job_id = COALESCE(${patch.finetuningJobId ?? null}, t.finetuning_job_id),
        model_id = COALESCE(${patch.modelId ?? null}, t.model_id),
        training_file_tokens = COALESCE(${patch.trainingFileTokens ?? null}::int, t.training_file_tokens),
        metadata = CASE WHEN ${merge}::jsonb IS NULL THEN t.metadata
                        ELSE COALESCE(t.metadata, '{}'::jsonb) || ${merge}::jsonb END,
        cancelled_at = CASE WHEN ${to} = 'cancelled' THEN now() ELSE t.cancelled_at END,
        finished_at = CASE WHEN ${isTerminal(to)} THEN now() ELSE t.finished_at END,
        cancel_claimed_at = CASE WHEN ${patch.clearCancelClaim ?? false} THEN NULL ELSE t.cancel_claimed_at END,
        provider_status = COALESCE(${patch.providerStatus ?? null}, t.provider_status),
        reported_price_usd = COALESCE(${patch.reportedPriceUsd ?? null}::float8, t.reported_price_usd),
        cancel_requested_at = CASE WHEN ${patch.cancelSent ?? false} THEN COALESCE(t.cancel_requested_at, now()) ELSE t.cancel_requested_at END,
        cancel_sent_at = CASE WHEN ${patch.cancelSent ?? false} THEN now() ELSE t.cancel_sent_at END,
        cancel_sends = t.cancel_sends + CASE WHEN ${patch.cancelSent ?? false} THEN 1 ELSE 0 END
      WHERE t.id = ${id}::uuid AND t.deleted_at IS NULL AND t.status::text = ANY(${[...from]}::text[]) ${providerGuard}
      RETURNING new.*, old.status AS prev_status
    ), ev AS (
      INSERT INTO job_events (job_id, kind, from_status, to_status, actor, reason, metadata)
      SELECT id, 'status_change', prev_status, status, ${actor}, ${args.reason ?? null}, ${eventMetadata}::jsonb
      FROM upd WHERE prev_status IS DISTINCT FROM status
    )
    SELECT ${JOB_COLUMNS_SQL} FROM upd AS j`;
  const row = rows[0] ?? null;
  if (row) announceJobChange(db, row);
  return row;
}
