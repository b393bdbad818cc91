/** decodeURIComponent that answers null for a malformed escape (`%E0%A4%A`) instead of throwing. */
export function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

const isApi = (path: string) => path === "/api" || path.startsWith("/api/");

export type RoutedPath =
  /** Route on `pathname` (decoded; `url` is the request target with that path). */
  | { ok: true; pathname: string; url: string }
  /** An /api path that routing could not agree on with Next: answer 400. */
  | { ok: false; reason: string };

/**
 * The path a request is routed on. Next decodes and normalises the path before
 * it picks a route (`/api/./trpc/x`, `/api/%74rpc/x` and `/api/v/../trpc/x` all
 * reach app/api/trpc), so prefix-matching the raw target would let such a path
 * slip past the app server's own handlers and their guards. Under /api a path
 * with dot segments, empty segments, backslashes, encoded slashes or a
 * malformed escape is refused; any other is routed on its decoded form.
 */
export function routedPath(target: string): RoutedPath {
  const query = target.indexOf("?");
  const raw = query === -1 ? target : target.slice(0, query);
  const search = query === -1 ? "" : target.slice(query);
  // The common case, cheaply: nothing to decode or resolve, so it routes as written.
  if (raw.startsWith("/") && !/[%\\]|\/\/|\/\.\.?(?:\/|$)/.test(raw)) return { ok: true, pathname: raw, url: target };
  const decoded = safeDecode(raw);
  // What a URL parser makes of it (dot segments resolved, %2e included), to catch `/x/../api/…`.
  let resolved: string | null = null;
  try {
    resolved = safeDecode(new URL(raw, "http://localhost").pathname);
  } catch {
    resolved = null;
  }
  const api = [decoded, resolved, raw].some((p) => p !== null && isApi(p));
  if (!api) return { ok: true, pathname: decoded ?? raw, url: target };
  if (decoded === null) return { ok: false, reason: "The path has a malformed percent-escape." };
  const segments = decoded.split("/").slice(1);
  const inner = segments.slice(0, -1); // a trailing slash is allowed
  const problem =
    segments.some((s) => s === "." || s === "..") ||
    inner.some((s) => s === "") ||
    decoded.includes("\\") ||
    /%2f|%5c/i.test(raw) ||
    !raw.startsWith("/");
  if (problem) return { ok: false, reason: "The path has dot segments, empty segments or encoded slashes; send its plain form." };
  return { ok: true, pathname: decoded, url: decoded === raw ? target : `${encodeURI(decoded)}${search}` };
}
