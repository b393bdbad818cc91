// Cursor pagination and list queries as OpenAI does them: newest first,
// `after` = id of the last item of the previous page, `limit` ≤ 100.
import { ApiError } from "./http";
import { jobCheckpoints, jobEvents, jobsMatching } from "./jobs";
import { itemsAfter } from "./state";
import type { Core } from "./view";
import type { CheckpointJson, EventJson, JobJson } from "./types";

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
  const rest = itemsAfter(items, after, (item) => item.id);
  return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit };
}

/** One page of jobs: only that page is read and brought up to date (one more row tells `has_more`). */
export async function listJobs(core: Core, query: URLSearchParams): Promise<ListPage<JobJson>> {
  const limit = parseLimit(query);
  const jobs = await jobsMatching(core, metadataFilter(query), { after: query.get("after"), limit: limit + 1 });
  return { object: "list", data: jobs.slice(0, limit), has_more: jobs.length > limit };
}

export async function listEvents(core: Core, id: string, query: URLSearchParams): Promise<ListPage<EventJson>> {
  return page((await jobEvents(core, id)).reverse(), query.get("after"), parseLimit(query));
}

/** Newest first, like OpenAI's checkpoint list. */
export async function listCheckpoints(
  core: Core,
  id: string,
  query: URLSearchParams,
): Promise<ListPage<CheckpointJson> & { first_id: string | null; last_id: string | null }> {
  const result = page((await jobCheckpoints(core, id)).reverse(), query.get("after"), parseLimit(query, 10));
  return { ...result, first_id: result.data[0]?.id ?? null, last_id: result.data.at(-1)?.id ?? null };
}
