import type { IncomingMessage, ServerResponse } from "node:http";
import { stampClientAddress } from "../auth/client-address";
import { securityHeaders } from "./page-headers.js";

export { securityHeaders };

export type HeaderOptions = { dev: boolean; https: boolean };

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
