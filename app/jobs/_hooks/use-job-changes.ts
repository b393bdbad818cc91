"use client";

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import { trpc } from "@/app/_trpc/client";
import { isTerminal, type FinetuningJob } from "@/server/finetuning/schema";
import { cancelJobMutationKey, jobListKey, removeListedJob, updateListedJob } from "./job-cache";
import { pauseJobMutationKey, resumeJobMutationKey } from "./use-pause-job";

/** When the live feed is down, lists and details poll this often instead. */
export const FALLBACK_POLL_MS = 5_000;
const COALESCE_MS = 150;

/** `refetch`: the feed skipped ahead of changes this page never saw, so everything it shows is read again. */
type JobChange = { id: string; status: FinetuningJob["status"]; deleted: boolean; updated_at: string; refetch?: boolean };

// Cancels, pauses and resumes awaiting their answer own their job's optimistic status until they settle.
const optimisticMutationKeys = () => [cancelJobMutationKey(), pauseJobMutationKey(), resumeJobMutationKey()];

function pendingCancels(queryClient: QueryClient): Set<string> {
  const pending = optimisticMutationKeys().flatMap((mutationKey) =>
    queryClient.getMutationCache().findAll({ mutationKey, status: "pending" }),
  );
  return new Set(pending.map((m) => (m.state.variables as { finetuning_id?: string } | undefined)?.finetuning_id ?? ""));
}

/**
 * Keeps the job caches in step with the server without reloads. Every change
 * (worker, provider, another operator) arrives over `finetuning.onChange`
 * (SSE, read from the event log): its status is patched into the caches at
 * once, then the affected queries are refetched for the rest of the row.
 * `since` is the feed position the server read before rendering the page's
 * data: the feed starts there, so a change made between the page's load and
 * the subscription arrives too, and after a reconnect the link resumes from
 * the last event it saw. Returns the feed's state and the polling interval
 * the queries should use: none while the feed is connected, FALLBACK_POLL_MS
 * while it is not.
 */
export type LiveFeed = "live" | "connecting" | "polling";

export function useJobChanges(since?: string): { feed: LiveFeed; refetchInterval: number | false } {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const changedIds = useRef(new Set<string>());

  // Bursts of changes (a worker moving several jobs) become one refetch.
  const scheduleRefetch = useCallback(() => {
    if (timer.current) return;
    const refetch = () => {
      timer.current = undefined;
      // A page being loaded ("Load more") would be cancelled by a refetch and lost: wait for it.
      if (queryClient.isFetching({ queryKey: jobListKey() }) > 0) {
        timer.current = setTimeout(refetch, COALESCE_MS);
        return;
      }
      const ids = [...changedIds.current];
      changedIds.current.clear();
      // A cancel awaiting its answer refetches when it settles; refetching now would undo its optimistic state.
      if (optimisticMutationKeys().some((mutationKey) => queryClient.isMutating({ mutationKey }) > 0)) return;
      void utils.finetuning.list.invalidate();
      for (const finetuning_id of ids) {
        void utils.finetuning.get.invalidate({ finetuning_id });
        void utils.finetuning.events.invalidate({ finetuning_id });
      }
    };
    timer.current = setTimeout(refetch, COALESCE_MS);
  }, [queryClient, utils]);

  useEffect(() => () => clearTimeout(timer.current), []);

  const applyChange = useCallback(
    (change: JobChange) => {
      if (change.refetch) {
        void utils.finetuning.invalidate();
        return;
      }
      changedIds.current.add(change.id);
      if (change.deleted) {
        removeListedJob(queryClient, change.id);
      } else if (!pendingCancels(queryClient).has(change.id)) {
        // Terminal statuses are final (docs/CONTRACT.md), so a late notification never moves a job back.
        const patch = (job: FinetuningJob) =>
          isTerminal(job.status) || job.status === change.status ? job : { ...job, status: change.status, updated_at: change.updated_at };
        updateListedJob(queryClient, change.id, patch);
        utils.finetuning.get.setData({ finetuning_id: change.id }, (job) => (job ? patch(job) : job));
      }
      scheduleRefetch();
    },
    [queryClient, scheduleRefetch, utils],
  );

  const subscription = trpc.finetuning.onChange.useSubscription(
    { lastEventId: since ?? null },
    {
      // Without a known starting position, whatever changed before the feed started is fetched now.
      onStarted: since === undefined ? scheduleRefetch : undefined,
      onData: ({ data }) => applyChange(data),
    },
  );
  const feed: LiveFeed =
    subscription.status === "pending" ? "live" : subscription.status === "connecting" && !subscription.error ? "connecting" : "polling";
  return { feed, refetchInterval: feed === "live" ? false : FALLBACK_POLL_MS };
}
