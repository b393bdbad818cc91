import {
  DEFAULT_JOB_SORT,
  idSchema,
  JOB_SEARCH_MAX_LENGTH,
  jobSortSchema,
  jobStatusSchema,
  type JobSort,
  type JobStatus,
} from "@/server/finetuning/schema";

// The jobs table's filters, search and order live in the URL
// (?status=running&connection=<id>&q=retail&sort=-cost), so a view can be
// reloaded, bookmarked and shared.
export type JobFilters = { status?: JobStatus; connection?: string; guardrail?: boolean; q?: string; sort: JobSort; limit: number };
type SearchParams = Record<string, string | string[] | undefined>;

export const DEFAULT_PAGE_SIZE = 50;

/** How each order reads in the Sort menu and the table's caption. */
export const SORT_LABELS: Record<JobSort, string> = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  status: "Status, active first",
  "-status": "Status, finished first",
  "-progress": "Most progress first",
  progress: "Least progress first",
  "-cost": "Most spent first",
  cost: "Least spent first",
};

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Unknown or malformed values are ignored: a stale link shows everything rather than an error. */
export function parseJobFilters(params: SearchParams): JobFilters {
  const status = jobStatusSchema.safeParse(first(params.status));
  const connection = idSchema.safeParse(first(params.connection));
  const sort = jobSortSchema.safeParse(first(params.sort));
  const limit = Number(first(params.limit));
  return {
    status: status.success ? status.data : undefined,
    connection: connection.success ? connection.data : undefined,
    guardrail: first(params.stopped) === "guardrail" ? true : undefined,
    q: first(params.q)?.trim().slice(0, JOB_SEARCH_MAX_LENGTH) || undefined,
    sort: sort.success ? sort.data : DEFAULT_JOB_SORT,
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : DEFAULT_PAGE_SIZE,
  };
}

export function jobFiltersQuery(filters: JobFilters): string {
  const query = new URLSearchParams();
  if (filters.q) query.set("q", filters.q);
  if (filters.status) query.set("status", filters.status);
  if (filters.connection) query.set("connection", filters.connection);
  if (filters.guardrail) query.set("stopped", "guardrail");
  if (filters.sort !== DEFAULT_JOB_SORT) query.set("sort", filters.sort);
  if (filters.limit !== DEFAULT_PAGE_SIZE) query.set("limit", String(filters.limit));
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** Whether anything narrows the list (the order does not). */
export function isFiltered(filters: JobFilters): boolean {
  return Boolean(filters.status ?? filters.connection ?? filters.guardrail ?? filters.q);
}

/** The list procedure's input for these filters (no cursor: the table pages with "Load more"). */
export function listInput(filters: JobFilters) {
  return {
    status: filters.status,
    db_connection_id: filters.connection,
    stopped_by_guardrail: filters.guardrail ? "true" : undefined,
    q: filters.q,
    sort: filters.sort,
    limit: filters.limit,
  };
}

/**
 * The same filters for bulk cancel's "all matching this filter". Bulk cancel
 * has no search, so the table offers "all matching" only when no search is set.
 */
export function cancelManyFilter(filters: JobFilters) {
  return { status: filters.status, db_connection_id: filters.connection, stopped_by_guardrail: filters.guardrail };
}
