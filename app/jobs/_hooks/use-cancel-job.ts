"use client";

import { useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { trpc } from "@/app/_trpc/client";
import { CANCELLED_BY_USER_ERROR } from "@/server/finetuning/schema";
import { asCancelled, findListedJob, jobName, restoreLists, snapshotLists, updateListedJob } from "./job-cache";

/**
 * Cancels a job optimistically: every list and the detail read "Cancelled"
 * at once; a refusal (already finished, provider down) puts them back and
 * says why; either way the caches are refetched afterwards.
 */
export function useCancelJob() {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();

  return trpc.finetuning.cancel.useMutation({
    onMutate: async ({ finetuning_id }) => {
      const lists = snapshotLists(queryClient);
      const detail = utils.finetuning.get.getData({ finetuning_id });
      const showCancelled = () => {
        updateListedJob(queryClient, finetuning_id, asCancelled);
        utils.finetuning.get.setData({ finetuning_id }, (job) => (job ? asCancelled(job) : job));
      };
      // The badge flips in the click's own render, together with the dialog closing…
      showCancelled();
      // …then in-flight refetches are cancelled (which reverts their queries) and
      // the optimistic state is applied again, so a late response cannot undo it.
      await Promise.all([utils.finetuning.list.cancel(), utils.finetuning.get.cancel({ finetuning_id })]);
      showCancelled();
      const known = detail ?? findListedJob(lists, finetuning_id);
      return { lists, detail, name: known ? jobName(known) : finetuning_id };
    },
    onError: (error, { finetuning_id }, context) => {
      if (context) {
        restoreLists(queryClient, context.lists);
        utils.finetuning.get.setData({ finetuning_id }, context.detail);
      }
      toast.error(`Could not cancel ${context?.name ?? finetuning_id}`, { description: error.message });
    },
    onSuccess: (job, _input, context) => {
      updateListedJob(queryClient, job.id, () => job);
      utils.finetuning.get.setData({ finetuning_id: job.id }, job);
      toast.success(`Cancelled ${context.name}`, {
        description: job.error === CANCELLED_BY_USER_ERROR ? "Training stopped at the provider." : (job.error ?? undefined),
      });
    },
    onSettled: (_job, _error, { finetuning_id }) =>
      Promise.all([
        utils.finetuning.list.invalidate(),
        utils.finetuning.get.invalidate({ finetuning_id }),
        utils.finetuning.events.invalidate({ finetuning_id }),
      ]),
  });
}
