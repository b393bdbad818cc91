import { TriangleAlert } from "lucide-react";
import { capabilitiesOf, type FinetuningJob } from "@/server/finetuning/schema";

/** Which provider trains the job, by name. */
export function ProviderTag({ job }: { job: Pick<FinetuningJob, "base_llm"> }) {
  return (
    <span
      className="rounded bg-slate-100 px-1.5 py-0.5 font-sans text-[11px] font-medium whitespace-nowrap text-slate-700"
      data-provider={job.base_llm.model_provider}
    >
      {capabilitiesOf(job.base_llm.model_provider).label}
    </span>
  );
}

/** A cancel the provider has not confirmed in time: the job may still train and bill; it is being sent again. */
export function CancelStuckFlag({ job }: { job: Pick<FinetuningJob, "status" | "cancel_stuck_at" | "base_llm"> }) {
  if (job.status !== "cancelling" || !job.cancel_stuck_at) return null;
  const message = `${capabilitiesOf(job.base_llm.model_provider).label} has not confirmed the cancel; it is being sent again.`;
  return (
    <span role="img" aria-label={`Cancel stuck: ${message}`} title={message} className="inline-flex text-red-600" data-cancel-stuck>
      <TriangleAlert aria-hidden className="size-4" />
    </span>
  );
}
