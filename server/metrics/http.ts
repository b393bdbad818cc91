import type { IncomingMessage, ServerResponse } from "node:http";
import { safeDecode } from "../http/path";
import { metrics } from "./registry";

// Route labels must be few: ids become {id}, tRPC calls are named by
// procedure, pages by their first path segment, anything else is "other".
const ID_SEGMENT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|[A-Za-z]+[-_][A-Za-z0-9_-]{8,})$/i;
const PAGES = new Set(["", "jobs", "connections", "sign-in", "docs", "settings", "keys", "webhooks", "account"]);
const API_PREFIXES = ["/api/health", "/api/ready", "/api/openapi.json", "/api/auth"];

export function routeLabel(url: string): string {
  const pathname = url.split("?")[0] ?? "/";
  if (pathname.startsWith("/api/trpc/")) {
    const procedures = (safeDecode(pathname.slice("/api/trpc/".length)) ?? "?").split(",");
    return `trpc ${[...new Set(procedures)].sort().join(",").slice(0, 200)}`;
  }
  if (pathname.startsWith("/api/v1/")) {
    return pathname
      .split("/")
      .map((segment) => (ID_SEGMENT.test(segment) ? "{id}" : segment))
      .join("/");
  }
  const api = API_PREFIXES.find((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (api) return api;
  if (pathname.startsWith("/_next/")) return "/_next";
  const first = pathname.split("/")[1] ?? "";
  if (!PAGES.has(first)) return "other";
  return pathname
    .split("/")
    .slice(0, 4)
    .map((segment) => (ID_SEGMENT.test(segment) ? "{id}" : segment))
    .join("/") || "/";
}

/** Counts and times the request by route, method and status once its response is done (or the client left). */
export function instrumentRequest(req: IncomingMessage, res: ServerResponse): void {
  const started = process.hrtime.bigint();
  let observed = false;
  const observe = () => {
    if (observed) return;
    observed = true;
    const labels = { route: routeLabel(req.url ?? "/"), method: req.method ?? "GET", status: res.writableFinished ? String(res.statusCode) : "aborted" };
    const { httpRequests, httpDuration } = metrics();
    httpRequests.inc(labels);
    httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  };
  res.once("finish", observe);
  res.once("close", observe);
}
