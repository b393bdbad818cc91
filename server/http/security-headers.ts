import type { IncomingMessage, ServerResponse } from "node:http";
import { stampClientAddress } from "../auth/client-address";

// The one list of security headers, for every answer: pages (also set by
// next.config.js when Next serves on its own) and the APIs the app server
// answers itself. Scripts come only from this origin; React's inline
// bootstrap needs 'unsafe-inline', development's fast refresh 'unsafe-eval'.

export type HeaderOptions = { dev: boolean; https: boolean };

export function contentSecurityPolicy({ dev }: Pick<HeaderOptions, "dev">): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(options: HeaderOptions): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(options),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    ...(options.https ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {}),
  };
}

function currentOptions(): HeaderOptions {
  return { dev: process.env.NODE_ENV === "development", https: (process.env.APP_URL ?? "").startsWith("https:") };
}

/**
 * Called by the app server first thing on every request: the security
 * headers go on the response before any handler writes it, and the client's
 * address (socket, or TRUSTED_PROXIES' X-Forwarded-For) is stamped on the request.
 */
export function secureRequest(req: IncomingMessage, res: ServerResponse): void {
  stampClientAddress(req);
  for (const [name, value] of headerList(currentOptions())) res.setHeader(name, value);
}

// The list for each of the (at most four) option sets, built once instead of on every request.
const lists = new Map<string, Array<[string, string]>>();
function headerList(options: HeaderOptions): Array<[string, string]> {
  const key = `${options.dev}/${options.https}`;
  let list = lists.get(key);
  if (!list) lists.set(key, (list = Object.entries(securityHeaders(options))));
  return list;
}
