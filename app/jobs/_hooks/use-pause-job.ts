"use client";

import { getMutationKey } from "@trpc/react-query";
import { toast } from "sonner";
import { trpc } from "@/app/_trpc/client";
import type { FinetuningJob, JobStatus } from "@/server/finetuning/schema";
import { useOptimisticJob } from "./use-optimistic-job";

export const pauseJobMutationKey = () => getMutationKey(trpc.finetuning.pause);
export const resumeJobMutationKey = () => getMutationKey(trpc.finetuning.resume);

/** What a job looks like the moment Pause (or Resume) is clicked, before the provider answers. */
function withStatus(status: JobStatus) {
  return (job: FinetuningJob): FinetuningJob => ({
    ...job,
    status,
    estimated_finish: status === "running" ? job.estimated_finish : null,
    updated_at: new Date().toISOString(),
  });
}

type Verb = { optimistic: JobStatus; done: string; failed: string };
const PAUSE: Verb = { optimistic: "pausing", done: "Paused", failed: "Could not pause" };
const RESUME: Verb = { optimistic: "running", done: "Resumed", failed: "Could not resume" };

// Pause and resume have the same input and output, so one procedure type stands for both.
function useOptimisticMove(verb: Verb, mutation: typeof trpc.finetuning.pause) {
  const optimistic = useOptimisticJob();
  return mutation.useMutation({
    onMutate: ({ finetuning_id }) => optimistic.show(finetuning_id, withStatus(verb.optimistic)),
    onError: (error, { finetuning_id }, snapshot) => {
      optimistic.restore(finetuning_id, snapshot);
      toast.error(`${verb.failed} ${snapshot?.name ?? finetuning_id}`, { description: error.message });
    },
    onSuccess: (job, _input, snapshot) => {
      optimistic.confirm(job);
      toast.success(`${verb.done} ${snapshot.name}`);
    },
    onSettled: (_job, _error, { finetuning_id }) => optimistic.refetch(finetuning_id),
  });
}

/** Pauses a running job optimistically: the badge reads "Pausing" at once. */
export function usePauseJob() {
  return useOptimisticMove(PAUSE, trpc.finetuning.pause);
}

/** Resumes a paused job optimistically: the badge reads "Running" at once. */
export function useResumeJob() {
  return useOptimisticMove(RESUME, trpc.finetuning.resume);
}
