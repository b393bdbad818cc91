import "server-only";
import type { Db } from "../db";
import type { ProviderJob, ProviderJobStatus } from "../provider/types";
import { actorLabel, type Actor } from "../auth/actor";
import type { JobRow } from "./job-row";
import { ACTIVE_STATUSES, type JobStatus } from "./schema";
import { transitionJob, type TransitionPatch } from "./transitions";

// Which local statuses may move to each provider status. The provider can skip
// states between two polls, but never leaves a terminal one. A resumed job
// comes back as running (or queued, at OpenAI's choice); pausing and paused
// only follow a job that trains.
const FROM: Record<ProviderJobStatus, readonly JobStatus[]> = {
  validating_files: ["queued", "validating_files"],
  queued: ["validating_files", "queued", "pausing", "paused"],
  running: ACTIVE_STATUSES,
  pausing: ["running", "pausing"],
  paused: ["running", "pausing", "paused"],
  succeeded: ACTIVE_STATUSES,
  failed: ACTIVE_STATUSES,
  cancelled: ACTIVE_STATUSES,
};

export const CANCELLED_AT_PROVIDER_ERROR = "Fine tuning cancelled at the provider";

/** Records the provider's view of a job with one guarded write; null when the guard did not hold. */
export async function syncProviderStatus(args: { db: Db; id: string; providerJob: ProviderJob; actor: Actor }): Promise<JobRow | null> {
  const { db, id, providerJob, actor } = args;
  const patch: TransitionPatch = {};
  if (providerJob.status === "succeeded" && providerJob.fineTunedModel) patch.modelId = providerJob.fineTunedModel;
  if (providerJob.status === "failed") patch.error = providerJob.error ?? "The provider reported the job as failed without a message";
  if (providerJob.status === "cancelled") patch.error = CANCELLED_AT_PROVIDER_ERROR;
  return transitionJob({
    db,
    id,
    from: FROM[providerJob.status],
    to: providerJob.status,
    expectProviderJobId: providerJob.id,
    actor: actorLabel(actor),
    reason: providerJob.status === "failed" ? (patch.error ?? null) : `provider status ${providerJob.status}`,
    patch,
  });
}
