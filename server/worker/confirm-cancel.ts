import type { Db } from "../db";
import { env } from "../env";
import { actorLabel, PROVIDER, WORKER } from "../auth/actor";
import { announceJobChange } from "../finetuning/announce";
import { JOB_COLUMNS_SQL, type JobRow } from "../finetuning/job-row";
import { providerViewChanged, syncProviderStatus } from "../finetuning/sync";
import { transitionJob } from "../finetuning/transitions";
import { isProviderTerminal, ProviderNotFoundError, type FinetuningProvider, type ProviderJob } from "../provider/types";
import { mirrorProviderEvents } from "./events";
import { recordProviderProgress } from "./provider-progress";

// A cancel the provider accepted but has not confirmed (status cancelling) is
// followed here until it has: its status polled first and often, since the
// job may still train and bill. Past CANCEL_CONFIRM_TIMEOUT_MS it is marked
// stuck once (a cancel_stuck event, hence the job.cancel_stuck webhook, and
// cancel_stuck_at for the table and page) and the cancel is sent again, with
// backoff.

type Step = { next: "now" } | { next: "later"; seconds: number };

/** Cancels being confirmed are polled every second, whatever the usual poll interval. */
const CONFIRM_POLL_SECONDS = 1;
const MAX_RESEND_BACKOFF_MS = 60 * 60_000;

export type CancellingJob = JobRow & { lastProviderEventId: string | null; cancelSentAt: Date | null; cancelSends: number };

/** How long after the last send the next one goes: the timeout, then twice it, four times…, at most an hour. */
export function resendBackoffMs(timeoutMs: number, sends: number): number {
  return Math.min(timeoutMs * 2 ** Math.max(0, sends - 1), Math.max(timeoutMs, MAX_RESEND_BACKOFF_MS));
}

export async function followCancel(
  args: { db: Db; provider: FinetuningProvider; jobId: string; cancelConfirmTimeoutMs?: number },
  job: CancellingJob,
  providerJobId: string,
): Promise<Step> {
  const { db, provider, jobId } = args;
  let providerJob: ProviderJob;
  try {
    providerJob = await provider.retrieveJob(providerJobId);
  } catch (error) {
    if (!(error instanceof ProviderNotFoundError)) throw error;
    // Gone at the provider: nothing trains there any more, which is what the cancel wanted.
    await transitionJob({
      db,
      id: jobId,
      from: ["cancelling"],
      to: "cancelled",
      actor: actorLabel(WORKER),
      reason: `the provider no longer knows job ${providerJobId}; nothing runs there`,
    });
    return { next: "now" };
  }
  // Waiting for the confirmation reads the status alone (one request, every
  // second or two): the job's last steps, losses and cost are brought in once,
  // when the provider confirms, and when the cancel is sent again.
  const catchUp = async () => {
    const { newSteps } = await mirrorProviderEvents({ db, provider, jobId, providerJobId, lastProviderEventId: job.lastProviderEventId });
    await recordProviderProgress({ db, provider, job, providerJob, newSteps });
  };
  if (isProviderTerminal(providerJob.status)) {
    // Confirmed (or it finished first): the next step cleans up.
    await catchUp();
    await syncProviderStatus({ db, id: jobId, providerJob, actor: PROVIDER });
    return { next: "now" };
  }
  if (providerViewChanged({ ...job, status: "cancelling" }, providerJob)) {
    await transitionJob({
      db,
      id: jobId,
      from: ["cancelling"],
      to: "cancelling",
      actor: actorLabel(PROVIDER),
      patch: {
        providerStatus: providerJob.providerStatus,
        ...(providerJob.reportedPriceUsd !== null ? { reportedPriceUsd: providerJob.reportedPriceUsd } : {}),
      },
    });
  }

  const timeoutMs = args.cancelConfirmTimeoutMs ?? env().CANCEL_CONFIRM_TIMEOUT_MS;
  const since = (job.cancelRequestedAt ?? job.updatedAt).getTime();
  const now = Date.now();
  if (now - since >= timeoutMs) {
    if (!job.cancelStuckAt) await markStuck(db, jobId, providerJob, Math.round((now - since) / 1000));
    const lastSent = job.cancelSentAt?.getTime() ?? since;
    if (now - lastSent >= resendBackoffMs(timeoutMs, job.cancelSends)) {
      await catchUp();
      await resend(db, provider, job, providerJobId);
    }
  }
  return { next: "later", seconds: CONFIRM_POLL_SECONDS };
}

/** Once per cancel: the stuck marker and its event (which the outbox turns into job.cancel_stuck), in one statement. */
async function markStuck(db: Db, jobId: string, providerJob: ProviderJob, waitedSeconds: number): Promise<void> {
  const reason = `the provider has not confirmed the cancel after ${waitedSeconds} s (its status: ${providerJob.providerStatus}); sending it again`;
  const rows = await db.$queryRaw<JobRow[]>`
    WITH upd AS (
      UPDATE finetuning_jobs SET cancel_stuck_at = now(), updated_at = now()
      WHERE id = ${jobId}::uuid AND status = 'cancelling' AND cancel_stuck_at IS NULL
      RETURNING *
    ), ev AS (
      INSERT INTO job_events (job_id, kind, from_status, to_status, actor, reason, metadata)
      SELECT id, 'cancel_stuck', 'cancelling', 'cancelling', ${actorLabel(WORKER)}, ${reason},
             jsonb_build_object('provider_status', ${providerJob.providerStatus}::text, 'waited_seconds', ${waitedSeconds}::int)
      FROM upd
    )
    SELECT ${JOB_COLUMNS_SQL} FROM upd AS j`;
  const row = rows[0];
  if (row) announceJobChange(db, row);
}

async function resend(db: Db, provider: FinetuningProvider, job: CancellingJob, providerJobId: string): Promise<void> {
  let answer: ProviderJob | null = null;
  try {
    answer = await provider.cancelJob(providerJobId);
  } catch (error) {
    if (error instanceof ProviderNotFoundError) return; // the next poll sees it gone
    // Unreachable or refused: still counted as a send, so the backoff grows; a later poll tries again.
    console.error(`re-sending the cancel of job ${job.id} failed`, error);
  }
  if (answer && isProviderTerminal(answer.status)) {
    await syncProviderStatus({ db, id: job.id, providerJob: answer, actor: PROVIDER });
    return;
  }
  await transitionJob({
    db,
    id: job.id,
    from: ["cancelling"],
    to: "cancelling",
    actor: actorLabel(WORKER),
    patch: { cancelSent: true },
  });
}
