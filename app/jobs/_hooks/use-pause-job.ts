"use client";

import { useQueryClient } from "@tanstack/react-query";
import { getMutationKey } from "@trpc/react-query";
import { toast } from "sonner";
import { trpc } from "@/app/_trpc/client";
import type { FinetuningJob, JobStatus } from "@/server/finetuning/schema";
import { findListedJob, jobName, restoreLists, snapshotLists, updateListedJob } from "./job-cache";

export const pauseJobMutationKey = () => getMutationKey(trpc.finetuning.pause);
export const resumeJobMutationKey = () => getMutationKey(trpc.finetuning.resume);

/** What a job looks like the moment Pause (or Resume) is clicked, before the provider answers. */
function withStatus(status: JobStatus) {
  return (job: FinetuningJob): FinetuningJob => ({ ...job, status, estimated_finish: status === "running" ? job.estimated_finish : null, updated_at: new Date().toISOString() });
}

type Verb = { optimistic: JobStatus; done: string; failed: string };
const PAUSE: Verb = { optimistic: "pausing", done: "Paused", failed: "Could not pause" };
const RESUME: Verb = { optimistic: "running", done: "Resumed", failed: "Could not resume" };

// The same three steps as useCancelJob: flip every cached copy at once (after
// cancelling in-flight refetches), restore them and say why on a refusal,
// refetch either way.
// Pause and resume have the same input and output, so one procedure type stands for both.
function useOptimisticMove(verb: Verb, mutation: typeof trpc.finetuning.pause) {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  return mutation.useMutation({
    onMutate: async ({ finetuning_id }) => {
      const lists = snapshotLists(queryClient);
      const detail = utils.finetuning.get.getData({ finetuning_id });
      const show = () => {
        updateListedJob(queryClient, finetuning_id, withStatus(verb.optimistic));
        utils.finetuning.get.setData({ finetuning_id }, (job) => (job ? withStatus(verb.optimistic)(job) : job));
      };
      show();
      await Promise.all([utils.finetuning.list.cancel(), utils.finetuning.get.cancel({ finetuning_id })]);
      show();
      const known = detail ?? findListedJob(lists, finetuning_id);
      return { lists, detail, name: known ? jobName(known) : finetuning_id };
    },
    onError: (error, { finetuning_id }, context) => {
      if (context) {
        restoreLists(queryClient, context.lists);
        utils.finetuning.get.setData({ finetuning_id }, context.detail);
      }
      toast.error(`${verb.failed} ${context?.name ?? finetuning_id}`, { description: error.message });
    },
    onSuccess: (job, _input, context) => {
      updateListedJob(queryClient, job.id, () => job);
      utils.finetuning.get.setData({ finetuning_id: job.id }, job);
      toast.success(`${verb.done} ${context.name}`);
    },
    onSettled: (_job, _error, { finetuning_id }) =>
      Promise.all([
        utils.finetuning.list.invalidate(),
        utils.finetuning.get.invalidate({ finetuning_id }),
        utils.finetuning.events.invalidate({ finetuning_id }),
      ]),
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
