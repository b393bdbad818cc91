// Cursor pagination and list queries as OpenAI does them: newest first,
// `after` = id of the last item of the previous page, `limit` ≤ 100.
import { ApiError } from "./http";
import { jobJson } from "./jobs";
import type { JobRecord, SandboxState } from "./state";
import type { EventJson, JobJson } from "./types";

export type ListPage<T> = { object: "list"; data: T[]; has_more: boolean };

export function parseLimit(query: URLSearchParams, fallback = 20, max = 100): number {
  const raw = query.get("limit");
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new ApiError(400, `Invalid 'limit': integer between 1 and ${max} expected, got '${raw}'.`, "invalid_request_error", "limit");
  }
  return limit;
}

/** `metadata[key]=value` pairs (the SDK serialises nested query objects with brackets). */
export function metadataFilter(query: URLSearchParams): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of query) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match?.[1] !== undefined) out.push([match[1], value]);
  }
  return out;
}

export function page<T extends { id: string }>(items: readonly T[], after: string | null, limit: number): ListPage<T> {
  let rest = items;
  if (after !== null) {
    const index = items.findIndex((item) => item.id === after);
    rest = index === -1 ? [] : items.slice(index + 1);
  }
  return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit };
}

export function listJobs(state: SandboxState, query: URLSearchParams): ListPage<JobJson> {
  const filter = metadataFilter(query);
  const matches = (job: JobRecord) => filter.every(([key, value]) => job.metadata?.[key] === value);
  const jobs = [...state.jobs.values()].filter(matches).sort((a, b) => b.seq - a.seq);
  const result = page(jobs, query.get("after"), parseLimit(query));
  return { ...result, data: result.data.map(jobJson) };
}

export function listEvents(job: JobRecord, query: URLSearchParams): ListPage<EventJson> {
  return page([...job.events].reverse(), query.get("after"), parseLimit(query));
}
