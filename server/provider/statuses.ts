import type { JobStatus } from "../finetuning/schema";
import type { ProviderName } from "./capabilities";

// One table: each provider's own job statuses and the status of ours each one
// means. The adapters map through it and nothing else; a status missing here
// is an error that is logged, never silently mapped. The provider's own word
// travels beside ours as `provider_status`.

/** The statuses of ours a provider job can be in: every one (deletion is ours alone, and not a status). */
export type ProviderJobStatus = JobStatus;

export const PROVIDER_STATUS_TABLE = {
  // "pausing" and "paused" are what OpenAI's pause answers (its published enum omits them).
  openai: {
    validating_files: "validating_files",
    queued: "queued",
    running: "running",
    pausing: "pausing",
    paused: "paused",
    succeeded: "succeeded",
    failed: "failed",
    cancelled: "cancelled",
  },
  together: {
    pending: "queued",
    queued: "queued",
    running: "running",
    compressing: "running",
    uploading: "running",
    cancel_requested: "cancelling",
    cancelled: "cancelled",
    error: "failed",
    completed: "succeeded",
  },
} as const satisfies Record<ProviderName, Record<string, ProviderJobStatus>>;

export class UnknownProviderStatusError extends Error {
  override readonly name = "UnknownProviderStatusError";
}

/** Ours for a provider's status; UnknownProviderStatusError for one the table does not list. */
export function mapProviderStatus(provider: ProviderName, status: string, jobId: string): ProviderJobStatus {
  const table: Record<string, ProviderJobStatus> = PROVIDER_STATUS_TABLE[provider];
  const ours = Object.hasOwn(table, status) ? table[status] : undefined;
  if (!ours) throw new UnknownProviderStatusError(`Provider job ${jobId} has an unknown ${provider} status "${status}"`);
  return ours;
}
