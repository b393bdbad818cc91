import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import { getMutationKey, getQueryKey } from "@trpc/react-query";
import { trpc } from "@/app/_trpc/client";
import { CANCELLED_BY_USER_ERROR, capabilitiesOf, type FinetuningJob, type JobPage } from "@/server/finetuning/schema";

// The jobs list lives in the cache as the pages of an infinite query (the
// "Load more" table), one per filter; they share a key prefix, so one updater
// keeps every filter's copy in step.
type JobListData = InfiniteData<JobPage, string | null>;
export type JobListSnapshot = Array<[readonly unknown[], JobListData | undefined]>;

export const jobListKey = () => getQueryKey(trpc.finetuning.list, undefined, "infinite");
export const cancelJobMutationKey = () => getMutationKey(trpc.finetuning.cancel);

function mapItems(data: JobListData | undefined, map: (items: FinetuningJob[]) => FinetuningJob[]): JobListData | undefined {
  if (!data) return data;
  return {
    ...data,
    pages: data.pages.map((page) => {
      const items = map(page.items);
      return items === page.items ? page : { ...page, items };
    }),
  };
}

/** Replaces one job, wherever it is listed; lists without it are left as they are. */
export function updateListedJob(queryClient: QueryClient, id: string, update: (job: FinetuningJob) => FinetuningJob): void {
  queryClient.setQueriesData<JobListData>({ queryKey: jobListKey() }, (data) =>
    mapItems(data, (items) => (items.some((job) => job.id === id) ? items.map((job) => (job.id === id ? update(job) : job)) : items)),
  );
}

export function removeListedJob(queryClient: QueryClient, id: string): void {
  queryClient.setQueriesData<JobListData>({ queryKey: jobListKey() }, (data) =>
    mapItems(data, (items) => (items.some((job) => job.id === id) ? items.filter((job) => job.id !== id) : items)),
  );
}

export function snapshotLists(queryClient: QueryClient): JobListSnapshot {
  return queryClient.getQueriesData<JobListData>({ queryKey: jobListKey() });
}

export function restoreLists(queryClient: QueryClient, snapshot: JobListSnapshot): void {
  for (const [key, data] of snapshot) queryClient.setQueryData(key, data);
}

/** Any listed copy of a job (to name it in a message). */
export function findListedJob(snapshot: JobListSnapshot, id: string): FinetuningJob | undefined {
  for (const [, data] of snapshot) {
    for (const page of data?.pages ?? []) {
      const job = page.items.find((j) => j.id === id);
      if (job) return job;
    }
  }
  return undefined;
}

/** What a job looks like the moment the operator confirms its cancel. */
export function asCancelled(job: FinetuningJob): FinetuningJob {
  const now = new Date().toISOString();
  // A provider that confirms later (Together) leaves the job cancelling until it does; a job it never started is cancelled at once.
  if (capabilitiesOf(job.base_llm.model_provider).asyncCancel && job.finetuning_job_id && job.status !== "cancelled") {
    return { ...job, status: "cancelling", error: CANCELLED_BY_USER_ERROR, updated_at: now };
  }
  return {
    ...job,
    status: "cancelled",
    error: CANCELLED_BY_USER_ERROR,
    cancelled_at: now,
    finished_at: job.finished_at ?? now,
    updated_at: now,
  };
}

export function jobName(job: Pick<FinetuningJob, "alias" | "id">): string {
  return job.alias ?? job.id;
}
