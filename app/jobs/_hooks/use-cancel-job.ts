"use client";

import { toast } from "sonner";
import { trpc } from "@/app/_trpc/client";
import { CANCELLED_BY_USER_ERROR } from "@/server/finetuning/schema";
import { asCancelled } from "./job-cache";
import { useOptimisticJob } from "./use-optimistic-job";

/**
 * Cancels a job optimistically: every list and the detail read "Cancelled"
 * at once; a refusal (already finished, provider down) puts them back and
 * says why; either way the caches are refetched afterwards.
 */
export function useCancelJob() {
  const optimistic = useOptimisticJob();

  return trpc.finetuning.cancel.useMutation({
    onMutate: ({ finetuning_id }) => optimistic.show(finetuning_id, asCancelled),
    onError: (error, { finetuning_id }, snapshot) => {
      optimistic.restore(finetuning_id, snapshot);
      toast.error(`Could not cancel ${snapshot?.name ?? finetuning_id}`, { description: error.message });
    },
    onSuccess: (job, _input, snapshot) => {
      optimistic.confirm(job);
      toast.success(`Cancelled ${snapshot.name}`, {
        description: job.error === CANCELLED_BY_USER_ERROR ? "Training stopped at the provider." : (job.error ?? undefined),
      });
    },
    onSettled: (_job, _error, { finetuning_id }) => optimistic.refetch(finetuning_id),
  });
}
