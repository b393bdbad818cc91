"use client";

import { clsx } from "clsx";
import { LoaderCircle, X } from "lucide-react";
import { usePathname, useRouter } from "next/navigation";
import { useCallback, useId, useMemo, useState, useTransition } from "react";
import { Button } from "@/app/_components/button";
import { STATUS_LABELS } from "@/app/_components/job-status-badge";
import { EmptyState, RefreshFailed } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { DbConnection } from "@/server/connections/schema";
import { JOB_SORTS, JOB_STATUSES, type JobPage, type JobSort } from "@/server/finetuning/schema";
import { useJobChanges } from "../_hooks/use-job-changes";
import { FilterSelect } from "./filter-select";
import { isFiltered, jobFiltersQuery, listInput, SORT_LABELS, type JobFilters } from "./job-filters";
import { JobSearch } from "./job-search";
import { isTraining, TRAINING_POLL_MS } from "./job-progress";
import { BulkCancelDialog } from "./bulk-cancel";
import { JobRow } from "./job-row";
import { LiveIndicator } from "./live-indicator";

// since: the live feed position read before initialPage (so no change after it is missed).
type Props = { filters: JobFilters; initialPage: JobPage; connections: DbConnection[]; canCancel: boolean; since?: string };

/** The jobs table: server-rendered first page, then live, searchable, filterable, sortable and paged here. */
export function JobsTable({ filters, initialPage, connections: initialConnections, canCancel, since }: Props) {
  const router = useRouter();
  const pathname = usePathname();
  const [navigating, startTransition] = useTransition();
  const ids = { status: useId(), connection: useId(), stopped: useId(), sort: useId() };
  // Bulk selection: ids picked on screen, or every job matching the filter.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const onSelect = useCallback((id: string, on: boolean) => {
    setAllMatching(false);
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
  };
  const { feed, refetchInterval } = useJobChanges(since);

  const jobs = trpc.finetuning.list.useInfiniteQuery(listInput(filters), {
    getNextPageParam: (page) => page.next_cursor,
    initialData: { pages: [initialPage], pageParams: [null] },
    // Progress is not announced as a job change: while a listed job trains, the list is read again every few seconds.
    refetchInterval: (query) =>
      refetchInterval || (query.state.data?.pages.some((page) => page.items.some(isTraining)) ? TRAINING_POLL_MS : false),
  });
  const { data: connections } = trpc.dbConnection.list.useQuery(undefined, { initialData: initialConnections });
  const aliases = useMemo(() => new Map(connections.map((c) => [c.id, c.alias])), [connections]);

  // Pages are fetched by keyset cursor, but a job that moved between pages during a refetch must not show twice.
  const rows = useMemo(() => {
    const seen = new Set<string>();
    return jobs.data.pages.flatMap((page) => page.items).filter((job) => !seen.has(job.id) && seen.add(job.id));
  }, [jobs.data]);

  const setFilters = (next: Partial<JobFilters>) => {
    clearSelection();
    startTransition(() => router.replace(`${pathname}${jobFiltersQuery({ ...filters, ...next })}`, { scroll: false }));
  };
  const filtered = isFiltered(filters);
  const clearFilters = () => setFilters({ status: undefined, connection: undefined, guardrail: undefined, q: undefined });
  const pageAllSelected = rows.length > 0 && rows.every((job) => selected.has(job.id));

  return (
    <section aria-label="Jobs" className="space-y-3">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <JobSearch value={filters.q} onSearch={(q) => setFilters({ q })} />
        <FilterSelect
          id={ids.status}
          label="Status"
          value={filters.status ?? ""}
          onChange={(v) => setFilters({ status: (v || undefined) as JobFilters["status"] })}
        >
          <option value="">All statuses</option>
          {JOB_STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect
          id={ids.connection}
          label="Database"
          value={filters.connection ?? ""}
          onChange={(v) => setFilters({ connection: v || undefined })}
        >
          <option value="">All databases</option>
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.alias}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect
          id={ids.stopped}
          label="Stopped by"
          value={filters.guardrail ? "guardrail" : ""}
          onChange={(v) => setFilters({ guardrail: v === "guardrail" || undefined })}
        >
          <option value="">Anyone</option>
          <option value="guardrail">A guardrail</option>
        </FilterSelect>
        {filtered ? (
          <Button variant="ghost" size="sm" onClick={clearFilters}>
            <X aria-hidden className="size-3.5" />
            Clear filters
          </Button>
        ) : null}
        <FilterSelect id={ids.sort} label="Sort" value={filters.sort} onChange={(v) => setFilters({ sort: v as JobSort })}>
          {JOB_SORTS.map((sort) => (
            <option key={sort} value={sort}>
              {SORT_LABELS[sort]}
            </option>
          ))}
        </FilterSelect>
        {navigating ? <LoaderCircle aria-label="Loading" className="size-4 animate-spin text-slate-400" /> : null}
        <div className="ml-auto">
          <LiveIndicator feed={feed} />
        </div>
      </div>

      {canCancel && (selected.size > 0 || allMatching) ? (
        <div
          role="region"
          aria-label="Selection"
          className="flex flex-wrap items-center gap-3 rounded-lg border border-blue-200 bg-blue-50 px-4 py-2 text-sm text-slate-700"
        >
          <span>{allMatching ? "All jobs matching this filter selected" : `${selected.size} selected`}</span>
          {/* Bulk cancel's filter has no search: with one set, only the jobs picked on screen. */}
          {!allMatching && pageAllSelected && jobs.hasNextPage && !filters.q ? (
            <Button variant="ghost" size="sm" onClick={() => setAllMatching(true)}>
              Select all matching this filter
            </Button>
          ) : null}
          <BulkCancelDialog
            selection={allMatching ? { filter: filters } : { ids: [...selected] }}
            count={allMatching ? null : selected.size}
            onDone={clearSelection}
          />
          <Button variant="ghost" size="sm" onClick={clearSelection}>
            Clear selection
          </Button>
        </div>
      ) : null}

      {jobs.isRefetchError ? <RefreshFailed what="jobs" message={jobs.error?.message} onRetry={() => void jobs.refetch()} /> : null}

      <div
        className={clsx(
          "overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs transition-opacity",
          navigating && "opacity-60",
        )}
      >
        {rows.length === 0 ? (
          filtered ? (
            <EmptyState
              title="No jobs match these filters"
              action={
                <Button size="sm" onClick={clearFilters}>
                  Clear filters
                </Button>
              }
            >
              Try another search, status or database.
            </EmptyState>
          ) : (
            <EmptyState title="No fine-tuning jobs yet">Start one with “New job”; it will appear here and update as it trains.</EmptyState>
          )
        ) : (
          // The table scrolls inside its box when the columns cannot give way any further; the actions column stays in view.
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm max-md:block">
              <caption className="sr-only">Fine-tuning jobs, {SORT_LABELS[filters.sort].toLowerCase()}</caption>
              {/* On a phone each row is a card, and the headers are not shown. */}
              <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium text-slate-500 max-md:hidden">
                <tr>
                  {/* The selection checkboxes sit in the Name column, so the columns stay as they are. */}
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    {canCancel ? (
                      <input
                        type="checkbox"
                        className="mr-3 size-4 rounded border-slate-300 align-middle"
                        aria-label="Select all jobs shown"
                        checked={pageAllSelected}
                        onChange={(e) => {
                          setAllMatching(false);
                          setSelected(e.target.checked ? new Set(rows.map((job) => job.id)) : new Set());
                        }}
                      />
                    ) : null}
                    Name
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
                    Database
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium 2xl:table-cell">
                    Model
                  </th>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Status
                  </th>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Progress
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
                    Created
                  </th>
                  <th scope="col" className="sticky right-0 bg-slate-50 px-4 py-2.5 shadow-[inset_1px_0_0_var(--color-slate-100)]">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 max-md:block">
                {rows.map((job) => (
                  <JobRow
                    key={job.id}
                    job={job}
                    connectionAlias={aliases.get(job.db_connection_id)}
                    canCancel={canCancel}
                    selected={allMatching || selected.has(job.id)}
                    onSelect={canCancel ? onSelect : undefined}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <div className="flex items-center justify-between gap-4 text-sm text-slate-500">
        <span>{rows.length > 0 ? `${rows.length} ${rows.length === 1 ? "job" : "jobs"}${jobs.hasNextPage ? " shown" : ""}` : null}</span>
        {jobs.hasNextPage ? (
          <Button onClick={() => void jobs.fetchNextPage()} disabled={jobs.isFetchingNextPage}>
            {jobs.isFetchingNextPage ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : null}
            Load more
          </Button>
        ) : null}
      </div>
    </section>
  );
}
