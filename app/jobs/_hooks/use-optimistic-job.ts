"use client";

import { useQueryClient } from "@tanstack/react-query";
import { trpc } from "@/app/_trpc/client";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { findListedJob, jobName, restoreLists, snapshotLists, updateListedJob, type JobListSnapshot } from "./job-cache";

/** What `show` saw before it changed anything, to put back on a refusal; `name` names the job in messages. */
export type OptimisticSnapshot = { lists: JobListSnapshot; detail: FinetuningJob | undefined; name: string };

/**
 * The three steps of an optimistic change of one job (cancel, pause, resume),
 * on every cached copy of it — each list and the detail: `show` the change at
 * once, `restore` the snapshot when the server refuses, `refetch` either way.
 */
export function useOptimisticJob() {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();

  const apply = (id: string, update: (job: FinetuningJob) => FinetuningJob) => {
    updateListedJob(queryClient, id, update);
    utils.finetuning.get.setData({ finetuning_id: id }, (job) => (job ? update(job) : job));
  };

  return {
    async show(id: string, update: (job: FinetuningJob) => FinetuningJob): Promise<OptimisticSnapshot> {
      const lists = snapshotLists(queryClient);
      const detail = utils.finetuning.get.getData({ finetuning_id: id });
      // The change shows in the click's own render (this runs before the first await)…
      apply(id, update);
      // …then in-flight refetches are cancelled (which reverts their queries) and
      // the change is applied again, so a late response cannot undo it.
      await Promise.all([utils.finetuning.list.cancel(), utils.finetuning.get.cancel({ finetuning_id: id })]);
      apply(id, update);
      const known = detail ?? findListedJob(lists, id);
      return { lists, detail, name: known ? jobName(known) : id };
    },
    restore(id: string, snapshot: OptimisticSnapshot | undefined): void {
      if (!snapshot) return;
      restoreLists(queryClient, snapshot.lists);
      utils.finetuning.get.setData({ finetuning_id: id }, snapshot.detail);
    },
    /** The server's answer, wherever the job is cached. */
    confirm(job: FinetuningJob): void {
      updateListedJob(queryClient, job.id, () => job);
      utils.finetuning.get.setData({ finetuning_id: job.id }, job);
    },
    refetch(id: string): Promise<unknown> {
      return Promise.all([
        utils.finetuning.list.invalidate(),
        utils.finetuning.get.invalidate({ finetuning_id: id }),
        utils.finetuning.events.invalidate({ finetuning_id: id }),
      ]);
    },
  };
}
