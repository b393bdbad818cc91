"use client";

import { Pause, Play } from "lucide-react";
import { Button } from "@/app/_components/button";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { jobName } from "../_hooks/job-cache";
import { usePauseJob, useResumeJob } from "../_hooks/use-pause-job";

/** Pause for a running job, Resume for a pausing or paused one (both optimistic); nothing otherwise. */
export function PauseResumeButton({ job, size = "sm" }: { job: Pick<FinetuningJob, "id" | "alias" | "status">; size?: "sm" | "md" }) {
  const pause = usePauseJob();
  const resume = useResumeJob();
  const busy = pause.isPending || resume.isPending;
  const name = jobName(job);
  const icon = size === "sm" ? "size-3.5" : "size-4";

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
