"use client";

import { Pause, Play } from "lucide-react";
import { Button } from "@/app/_components/button";
import { cannotReason, capabilitiesOf, type FinetuningJob } from "@/server/finetuning/schema";
import { jobName } from "../_hooks/job-cache";
import { usePauseJob, useResumeJob } from "../_hooks/use-pause-job";

/**
 * Pause for a running job, Resume for a pausing or paused one (both optimistic); nothing otherwise.
 * A job whose provider cannot pause gets no button, only the reason on hover.
 */
export function PauseResumeButton({
  job,
  size = "sm",
}: {
  job: Pick<FinetuningJob, "id" | "alias" | "status" | "base_llm">;
  size?: "sm" | "md";
}) {
  const pause = usePauseJob();
  const resume = useResumeJob();
  const busy = pause.isPending || resume.isPending;
  const name = jobName(job);
  const icon = size === "sm" ? "size-3.5" : "size-4";

  const provider = job.base_llm.model_provider;
  if (!capabilitiesOf(provider).pauseResume) {
    if (job.status !== "running") return null;
    const reason = cannotReason(provider, "pause fine-tuning jobs");
    return (
      <span title={reason} aria-label={`Pause unavailable: ${reason}`} className="cursor-help text-xs text-slate-600" data-no-pause>
        No pause
      </span>
    );
  }
  if (job.status === "running") {
    return (
      <Button size={size} disabled={busy} title={`Pause ${name}`} onClick={() => pause.mutate({ finetuning_id: job.id })}>
        <Pause aria-hidden className={icon} />
        Pause
      </Button>
    );
  }
  if (job.status === "pausing" || job.status === "paused") {
    return (
      <Button size={size} disabled={busy} title={`Resume ${name}`} onClick={() => resume.mutate({ finetuning_id: job.id })}>
        <Play aria-hidden className={icon} />
        Resume
      </Button>
    );
  }
  return null;
}
