import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "better-auth/node";
import { createApiKey, createUser } from "../../server/auth/admin";
import type { Role } from "../../server/auth/actor";
import { handleAuthRequest } from "../../server/auth/auth-route";
import { restMounts } from "../../server/http/mounts";
import { secureRequest } from "../../server/http/security-headers";
import { createTrpcNodeHandler, TRPC_ENDPOINT } from "../../server/http/trpc";

export type SecureApp = { origin: string; close(): Promise<void> };

/**
 * The app server's request path without Next: security headers and the
 * client's address first (server/app-server.ts does the same), then tRPC,
 * REST v1 and better-auth behind our route (app/api/auth/[...all]/route.ts).
 */
export async function startSecureApp(): Promise<SecureApp> {
  const auth = toNodeHandler(handleAuthRequest);
  const mounts: Array<{ prefix: string; handler: (req: IncomingMessage, res: ServerResponse) => unknown }> = [
    { prefix: `${TRPC_ENDPOINT}/`, handler: createTrpcNodeHandler() },
    ...restMounts(),
    { prefix: "/api/auth/", handler: auth },
  ];
  const server = createServer((req, res) => {
    secureRequest(req, res);
    const mount = mounts.find((m) => (req.url ?? "/").startsWith(m.prefix));
    if (mount) return void mount.handler(req, res);
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
export async function signIn(origin: string, email: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string; response: Response }> {
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
  const url = method === "GET" ? `${origin}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}` : `${origin}/api/trpc/${path}`;
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
