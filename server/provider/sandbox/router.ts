// Tiny path router: patterns like "/v1/files/:id", matched segment by segment.
import type { Reply } from "./http";
import type { Sandbox } from "./types";
import type { Core } from "./view";

export type Ctx = {
  core: Core;
  sandbox: Sandbox;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
};

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;
export type Route = { method: string; pattern: string; handler: Handler };

export type RouteMatch = { route: Route; params: Record<string, string> };

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index];
    if (actual === undefined) return null;
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null; // malformed %-escape: treat as an unknown URL
      }
    } else if (part !== actual) {
      return null;
    }
  }
  return params;
}

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPattern(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}

/** Stats key, e.g. "GET /v1/fine_tuning/jobs/{id}". */
export function routeKey(method: string, path: string, match: RouteMatch | null): string {
  const shape = match ? match.route.pattern.replace(/:(\w+)/g, "{$1}") : path;
  return `${method} ${shape}`;
}
