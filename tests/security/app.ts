import { createServer } from "node:http";
import { toNodeHandler } from "better-auth/node";
import { createApiKey, createUser } from "../../server/auth/admin";
import type { Role } from "../../server/auth/actor";
import { handleAuthRequest } from "../../server/auth/auth-route";
import { restMounts } from "../../server/http/mounts";
import { serveProduct } from "../../server/http/serve";
import { handleTrpcFetch } from "../../server/http/trpc";
import { handleRestFetch } from "../../server/http/rest/fetch";
import { listenHttp } from "../../server/http/listen";
import { afterAll, beforeAll } from "vitest";

export type SecureApp = { origin: string; close(): Promise<void> };

/**
 * The product's own HTTP server (server/http/serve.ts: security headers and
 * the client's address first, then tRPC and the mounts) with the REST mounts
 * and better-auth behind our route (app/api/auth/[...all]/route.ts) where Next
 * would answer; pages are not served (they need a Next build: tests/e2e).
 */
export async function startSecureApp(opts: { allAddresses?: boolean } = {}): Promise<SecureApp & { port: number }> {
  const auth = toNodeHandler(handleAuthRequest);
  const server = await serveProduct({
    port: 0,
    // As npm start does: every address, IPv6 and IPv4.
    hostname: opts.allAddresses ? undefined : "127.0.0.1",
    mounts: [...restMounts(), { prefix: "/api/auth/", handler: (req, res) => void auth(req, res) }],
    pages: (_req, res) => res.writeHead(404).end(),
    shutdownTimeoutMs: 1_000,
  });
  return { origin: `http://127.0.0.1:${server.port}`, port: server.port, close: () => server.close() };
}

/**
 * The product's server for a test file: started before its tests, closed
 * after them; with `keyRole`, also an API key of that role. The fields are
 * filled in by the time the tests run.
 */
export function useSecureApp(opts: { keyRole?: Role } = {}): { origin: string; key: string } {
  const used = { origin: "", key: "" };
  let app: SecureApp | undefined;
  beforeAll(async () => {
    app = await startSecureApp();
    used.origin = app.origin;
    if (opts.keyRole) used.key = (await keyFor(opts.keyRole)).key;
  });
  afterAll(async () => {
    await app?.close();
  });
  return used;
}

/**
 * The fetch adapters Next's route handlers export (app/api/trpc, app/api/v1,
 * app/api/auth), served alone as under `next start`: the same guards must
 * hold without the app server in front.
 */
export async function startFetchAdapters(): Promise<SecureApp> {
  const trpcHandler = toNodeHandler(handleTrpcFetch);
  const restHandler = toNodeHandler(handleRestFetch);
  const authHandler = toNodeHandler(handleAuthRequest);
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const handler = url.startsWith("/api/trpc/") ? trpcHandler : url.startsWith("/api/auth/") ? authHandler : restHandler;
    void handler(req, res);
  });
  const port = await listenHttp(server, 0, "127.0.0.1");
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The origin browsers use (APP_URL in tests): better-auth and the CSRF check trust it. */
export const APP_ORIGIN = new URL(process.env.APP_URL ?? "http://localhost:3999").origin;

export const PASSWORD = "plumb-tarnish-velvet-42";

let userCount = 0;

/** A fresh user of the role (unique email) with PASSWORD. */
export async function makeUser(role: Role, opts: { mustChangePassword?: boolean } = {}): Promise<{ id: string; email: string }> {
  const email = `sec-${role}-${process.pid}-${Date.now()}-${userCount++}@example.test`;
  return createUser({ email, password: PASSWORD, role, mustChangePassword: opts.mustChangePassword });
}

/** Signs in over HTTP as a browser would; the session cookie, or the failed response. */
export async function signIn(
  origin: string,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string; response: Response }> {
  const response = await fetch(`${origin}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: APP_ORIGIN, ...headers },
    body: JSON.stringify({ email, password }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { status: response.status, cookie, response };
}

/** A key of `role` owned by `ownerId` (the system account when absent). */
export async function keyFor(role: Role, ownerId?: string): Promise<{ id: string; key: string }> {
  return createApiKey({ name: `sec-${role}`, role, ownerId });
}

/** A tRPC call over HTTP: GET for queries, POST for mutations; the status and parsed body. */
export async function trpc(
  origin: string,
  path: string,
  input: unknown,
  opts: { method?: "GET" | "POST"; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response JSON whose shape they know
): Promise<{ status: number; body: any; headers: Headers }> {
  const method = opts.method ?? "POST";
  const url =
    method === "GET" ? `${origin}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}` : `${origin}/api/trpc/${path}`;
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...opts.headers },
    body: method === "POST" ? JSON.stringify(input) : undefined,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers };
}
