import { idSchema, jobStatusSchema, type JobStatus } from "@/server/finetuning/schema";

// The jobs table's filters live in the URL (?status=running&connection=<id>),
// so a filtered view can be reloaded, bookmarked and shared.
export type JobFilters = { status?: JobStatus; connection?: string; guardrail?: boolean; limit: number };
type SearchParams = Record<string, string | string[] | undefined>;

export const DEFAULT_PAGE_SIZE = 50;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Unknown or malformed values are ignored: a stale link shows everything rather than an error. */
export function parseJobFilters(params: SearchParams): JobFilters {
  const status = jobStatusSchema.safeParse(first(params.status));
  const connection = idSchema.safeParse(first(params.connection));
  const limit = Number(first(params.limit));
  return {
    status: status.success ? status.data : undefined,
    connection: connection.success ? connection.data : undefined,
    guardrail: first(params.stopped) === "guardrail" ? true : undefined,
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : DEFAULT_PAGE_SIZE,
  };
}

export function jobFiltersQuery(filters: JobFilters): string {
  const query = new URLSearchParams();
  if (filters.status) query.set("status", filters.status);
  if (filters.connection) query.set("connection", filters.connection);
  if (filters.guardrail) query.set("stopped", "guardrail");
  if (filters.limit !== DEFAULT_PAGE_SIZE) query.set("limit", String(filters.limit));
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** The list procedure's input for these filters (no cursor: the table pages with "Load more"). */
export function listInput(filters: JobFilters) {
  return {
    status: filters.status,
    db_connection_id: filters.connection,
    stopped_by_guardrail: filters.guardrail ? "true" : undefined,
    limit: filters.limit,
  };
}

/** The same filters for bulk cancel's "all matching this filter". */
export function cancelManyFilter(filters: JobFilters) {
  return { status: filters.status, db_connection_id: filters.connection, stopped_by_guardrail: filters.guardrail };
}
