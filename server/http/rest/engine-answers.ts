// REST lists answer what Dataherald's engine docs show, a JSON array, and
// carry the next page out of band (RFC 8288): `Link: <…cursor=…>; rel="next"`
// and `X-Next-Cursor`. The procedure behind them answers the typed client's
// page (`{ items, next_cursor }`); this is the one place that reshapes it.

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
export function listAnswer(pageBody: string, requestUrl: URL, origin: string | undefined): { body: string; headers: Record<string, string> } {
  const page: unknown = JSON.parse(pageBody);
  if (!isPage(page)) return { body: pageBody, headers: {} };
  if (page.next_cursor === null) return { body: JSON.stringify(page.items), headers: {} };
  const link = `<${nextPageUrl(requestUrl, origin, page.next_cursor)}>; rel="next"`;
  return { body: JSON.stringify(page.items), headers: { link, [NEXT_CURSOR_HEADER]: page.next_cursor } };
}
