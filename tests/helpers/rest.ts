import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey } from "../../server/auth/admin";
import type { Role } from "../../server/auth/actor";
import { restMounts } from "../../server/http/mounts";
import { createTrpcNodeHandler, TRPC_ENDPOINT } from "../../server/http/trpc";

export type RestServer = { origin: string; close(): Promise<void> };

/** The app server's API side without Next: tRPC, REST v1 and the OpenAPI document, routed as server/app-server.ts does. */
export async function startRestServer(): Promise<RestServer> {
  const mounts = [{ prefix: `${TRPC_ENDPOINT}/`, handler: createTrpcNodeHandler() }, ...restMounts()];
  const server = createServer((req, res) => {
    const mount = mounts.find((m) => (req.url ?? "/").startsWith(m.prefix));
    if (mount) return mount.handler(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A fresh API key of the role. */
export async function apiKey(role: Role, name = `rest-${role}`): Promise<string> {
  return (await createApiKey({ name, role })).key;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response JSON whose shape they know
export type JsonBody = any;

export type RestCall = { status: number; headers: Headers; body: JsonBody; text: string };

/** One REST call with a bearer key; JSON bodies are sent as application/json. */
export async function rest(
  origin: string,
  method: string,
  path: string,
  opts: { key?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<RestCall> {
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${origin}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** The target of a response's `Link: <…>; rel="next"` (RFC 8288), as a path on the same server; null on the last page. */
export function nextLink(call: RestCall): string | null {
  const header = call.headers.get("link");
  if (!header) return null;
  const next = header
    .split(",")
    .map((part) => /^\s*<([^>]*)>\s*;\s*rel="?next"?\s*$/.exec(part)?.[1])
    .find((target) => target !== undefined);
  if (next === undefined) return null;
  const url = new URL(next, "http://relative.invalid");
  return `${url.pathname}${url.search}`;
}
