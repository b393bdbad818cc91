import type { RestRoute } from "./routes";

// Where REST answers differ from the procedures' outputs, as Dataherald's
// engine docs want them. Lists answer a JSON array and carry the next page out
// of band (RFC 8288): `Link: <…cursor=…>; rel="next"` and `X-Next-Cursor`;
// the procedure behind them answers the typed client's page
// (`{ items, next_cursor }`). Deleting a job answers `{ "status": true }`;
// model parameters are strings.

export const NEXT_CURSOR_HEADER = "x-next-cursor";

type Page = { items: unknown[]; next_cursor: string | null };

function isPage(value: unknown): value is Page {
  if (value === null || typeof value !== "object") return false;
  const page = value as Record<string, unknown>;
  return Array.isArray(page.items) && (typeof page.next_cursor === "string" || page.next_cursor === null);
}

/** The URL of the next page: the request's own, with `cursor` replaced. */
export function nextPageUrl(requestUrl: URL, origin: string | undefined, cursor: string): string {
  const next = new URL(requestUrl.pathname + requestUrl.search, origin ?? "http://localhost");
  next.searchParams.set("cursor", cursor);
  return origin ? next.href : `${next.pathname}${next.search}`;
}

/** A page's body as the REST list answer: the items, and the headers that point at the next page. */
export function listAnswer(
  pageBody: string,
  requestUrl: URL,
  origin: string | undefined,
): { body: string; headers: Record<string, string> } {
  const page: unknown = JSON.parse(pageBody);
  if (!isPage(page)) return { body: pageBody, headers: {} };
  if (page.next_cursor === null) return { body: JSON.stringify(page.items), headers: {} };
  const link = `<${nextPageUrl(requestUrl, origin, page.next_cursor)}>; rel="next"`;
  return { body: JSON.stringify(page.items), headers: { link, [NEXT_CURSOR_HEADER]: page.next_cursor } };
}

// The engine answers model parameters as strings (its examples send
// `"n_epochs": 1` and show `"1"`; Dataherald's SDK types them `Dict[str, str]`).
// Stored and sent to the provider as given; only REST answers stringify them.
// A cheap check first (answers are compact JSON): skip the string pairs, find a value that is not a string.
const NON_STRING_PARAMETER = /"model_parameters":\{(?:"(?:[^"\\]|\\.)*":"(?:[^"\\]|\\.)*",)*"(?:[^"\\]|\\.)*":[^"]/;

function stringParameters(job: unknown): unknown {
  if (job === null || typeof job !== "object" || Array.isArray(job)) return job;
  const baseLlm = (job as { base_llm?: { model_parameters?: unknown } }).base_llm;
  const parameters = baseLlm?.model_parameters;
  if (parameters === null || typeof parameters !== "object") return job;
  const strings = Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, String(value)]));
  return { ...job, base_llm: { ...baseLlm, model_parameters: strings } };
}

/** A job, or a list of jobs, with its model parameters as strings; any other answer as it is. */
export function withStringParameters(body: string): string {
  if (!NON_STRING_PARAMETER.test(body)) return body;
  const value: unknown = JSON.parse(body);
  return JSON.stringify(Array.isArray(value) ? value.map(stringParameters) : stringParameters(value));
}

/** The engine docs' delete answer (api.delete_finetuning); the job stays readable through GET and its events. */
export const DELETED_ANSWER = { status: true } as const;
const STATUS_ONLY_PROCEDURES: ReadonlySet<string> = new Set(["finetuning.delete"]);

export function answersStatusOnly(route: Pick<RestRoute, "procedurePath">): boolean {
  return STATUS_ONLY_PROCEDURES.has(route.procedurePath);
}
