import type { IncomingMessage, ServerResponse } from "node:http";
import { normalizePath } from "trpc-to-openapi";
import { safeDecode } from "../http/path";
import { metrics } from "./registry";
import { collectRoutes, type RestRoute } from "../http/rest/routes";
import { appRouter } from "../trpc/root";

// Route labels must be few whatever clients send: REST paths are labelled by
// their route template, tRPC calls by procedure (a batch of several is one
// label), pages by their page; any other path is "other".
const PAGES = [
  "/",
  "/connections",
  "/docs/api",
  "/jobs",
  "/jobs/{id}",
  "/settings",
  "/settings/api-keys",
  "/settings/users",
  "/settings/webhooks",
  "/sign-in",
  "/sign-in/new-password",
];
const API_PREFIXES = ["/api/health", "/api/ready", "/api/openapi.json", "/api/auth"];

let known: { routes: RestRoute[]; procedures: Set<string> } | undefined;
function knownRoutes() {
  known ??= { routes: collectRoutes(appRouter), procedures: new Set(Object.keys(appRouter._def.procedures)) };
  return known;
}

function pageLabel(pathname: string): string | undefined {
  const segments = pathname.split("/").filter(Boolean);
  return PAGES.find((page) => {
    const parts = page.split("/").filter(Boolean);
    return parts.length === segments.length && parts.every((part, i) => part === "{id}" || part === segments[i]);
  });
}

export function routeLabel(url: string): string {
  const pathname = url.split("?")[0] ?? "/";
  if (pathname.startsWith("/api/trpc/")) {
    const { procedures } = knownRoutes();
    const called = new Set((safeDecode(pathname.slice("/api/trpc/".length)) ?? "").split(","));
    if (![...called].every((name) => procedures.has(name))) return "trpc other";
    return called.size === 1 ? `trpc ${[...called][0] ?? ""}` : "trpc batch";
  }
  if (pathname.startsWith("/api/v1/")) {
    const path = normalizePath(pathname.slice("/api/v1".length));
    const matched = knownRoutes().routes.find((route) => route.regExp.test(path));
    return matched ? `/api/v1${matched.template.replace(/\{[^}]+\}/g, "{id}")}` : "/api/v1 other";
  }
  const api = API_PREFIXES.find((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (api) return api;
  if (pathname.startsWith("/_next/")) return "/_next";
  return pageLabel(pathname) ?? "other";
}

/** Counts and times the request by route, method and status once its response is done (or the client left). */
export function instrumentRequest(req: IncomingMessage, res: ServerResponse): void {
  const started = process.hrtime.bigint();
  let observed = false;
  const observe = () => {
    if (observed) return;
    observed = true;
    const labels = {
      route: routeLabel(req.url ?? "/"),
      method: req.method ?? "GET",
      status: res.writableFinished ? String(res.statusCode) : "aborted",
    };
    const { httpRequests, httpDuration } = metrics();
    httpRequests.inc(labels);
    httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  };
  res.once("finish", observe);
  res.once("close", observe);
}
