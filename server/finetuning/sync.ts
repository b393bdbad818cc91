import "server-only";
import type { Db } from "../db";
import type { ProviderJob, ProviderJobStatus } from "../provider/types";
import { actorLabel, type Actor } from "../auth/actor";
import type { JobRow } from "./job-row";
import { ACTIVE_STATUSES, type JobStatus } from "./schema";
import { transitionJob, type TransitionPatch } from "./transitions";

const NOT_CANCELLING = ACTIVE_STATUSES.filter((s) => s !== "cancelling");

// Which local statuses may move to each provider status (ours, through the
// status table in server/provider/statuses.ts). The provider can skip states
// between two polls, but never leaves a terminal one. A resumed job comes back
// as running (or queued, at OpenAI's choice); pausing and paused only follow a
// job that trains. A cancelling job only ends: the provider may still say
// "running" for a moment after it accepted the cancel.
const FROM: Record<ProviderJobStatus, readonly JobStatus[]> = {
  validating_files: ["queued", "validating_files"],
  queued: ["validating_files", "queued", "pausing", "paused"],
  running: NOT_CANCELLING,
  pausing: ["running", "pausing"],
  paused: ["running", "pausing", "paused"],
  cancelling: ACTIVE_STATUSES,
  succeeded: ACTIVE_STATUSES,
  failed: ACTIVE_STATUSES,
  cancelled: ACTIVE_STATUSES,
};

export const CANCELLED_AT_PROVIDER_ERROR = "Fine tuning cancelled at the provider";

/** Whether the provider's view says more than the row already holds. */
export function providerViewChanged(
  row: Pick<JobRow, "status" | "providerStatus" | "reportedPriceUsd">,
  providerJob: ProviderJob,
): boolean {
  return (
    row.status !== providerJob.status ||
    row.providerStatus !== providerJob.providerStatus ||
    (providerJob.reportedPriceUsd !== null && row.reportedPriceUsd !== providerJob.reportedPriceUsd)
  );
}

/** Records the provider's view of a job with one guarded write; null when the guard did not hold. */
export async function syncProviderStatus(args: { db: Db; id: string; providerJob: ProviderJob; actor: Actor }): Promise<JobRow | null> {
  const { db, id, providerJob, actor } = args;
  const patch: TransitionPatch = { providerStatus: providerJob.providerStatus };
  if (providerJob.reportedPriceUsd !== null) patch.reportedPriceUsd = providerJob.reportedPriceUsd;
  if (providerJob.status === "succeeded" && providerJob.fineTunedModel) patch.modelId = providerJob.fineTunedModel;
  if (providerJob.status === "failed") patch.error = providerJob.error ?? "The provider reported the job as failed without a message";
  // A cancel we asked for keeps its own message; one made at the provider gets this.
  if (providerJob.status === "cancelled" || providerJob.status === "cancelling") patch.defaultError = CANCELLED_AT_PROVIDER_ERROR;
  return transitionJob({
    db,
    id,
    from: FROM[providerJob.status],
    to: providerJob.status,
    expectProviderJobId: providerJob.id,
    actor: actorLabel(actor),
    reason: providerJob.status === "failed" ? (patch.error ?? null) : `provider status ${providerJob.providerStatus}`,
    patch,
  });
}
