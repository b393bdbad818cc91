import { appOrigins } from "../env";
import { AppError } from "../errors";
import { bufferedRequest } from "../http/body";
import { auth, DISABLED_AUTH_PATHS } from "./auth";
import { withPasswordAttempt } from "./password-attempts";

const AUTH_BASE_PATH = "/api/auth";
const SIGN_IN_PATH = `${AUTH_BASE_PATH}/sign-in/email`;
const CHANGE_PASSWORD_PATH = `${AUTH_BASE_PATH}/change-password`;
const MAX_AUTH_BODY_BYTES = 64 * 1024;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

function refusal(error: AppError): Response {
  return json(429, { code: "TOO_MANY_REQUESTS", message: error.message }, { "retry-after": String(error.retryAfterSeconds ?? 60) });
}

async function emailOf(request: Request): Promise<string> {
  try {
    const body = (await request.clone().json()) as { email?: unknown };
    return typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
  } catch {
    return "";
  }
}

/**
 * better-auth's handler behind our own doors: its api-key routes are closed
 * (also switched off in its options), bodies are small, and failed email
 * sign-ins are limited per account and per client address — counted in
 * Postgres, whatever NODE_ENV is, the address taken from the socket (and
 * TRUSTED_PROXIES), never from a header the client chose.
 */
export async function handleAuthRequest(incoming: Request): Promise<Response> {
  const { pathname } = new URL(incoming.url);
  if (DISABLED_AUTH_PATHS.some((path) => pathname === `${AUTH_BASE_PATH}${path}`)) {
    return json(404, { code: "NOT_FOUND", message: "Not found. API keys are managed by admins in Settings or with the CLI." });
  }
  // better-auth's admin routes would skip our own user rules (must-change-password, the last
  // admin, key narrowing); admins manage users through our tRPC routes in Settings or the CLI.
  if (
    pathname
      .toLowerCase()
      .replace(/\/{2,}/g, "/")
      .startsWith(`${AUTH_BASE_PATH}/admin/`)
  ) {
    return json(404, { code: "NOT_FOUND", message: "Not found. Users are managed by admins in Settings or with the CLI." });
  }
  // better-auth checks nothing about size: read the body here, stopping past the limit (chunked too), and hand it on buffered.
  const request = await bufferedRequest(incoming, MAX_AUTH_BODY_BYTES);
  if (!request) return json(413, { code: "PAYLOAD_TOO_LARGE", message: "The body is too large." }, { connection: "close" });
  // better-auth checks Origin only when cookies come along; a sign-in from another
  // site (login CSRF) or from an address other than APP_URL's is refused here, saying where to go.
  const origin = request.headers.get("origin");
  if (request.method === "POST" && origin && !appOrigins().includes(origin)) {
    const home = appOrigins()[0] ?? "";
    return json(403, { code: "INVALID_ORIGIN", message: `Sign-in works only at ${home}: open ${home}/sign-in.` });
  }
  if (request.method === "POST" && pathname === SIGN_IN_PATH) {
    return limited(await emailOf(request), request, (response) => response?.status === 401);
  }
  if (request.method === "POST" && pathname === CHANGE_PASSWORD_PATH) {
    // Guessing the current password through a stolen session counts like a wrong sign-in.
    const session = await auth().api.getSession({ headers: request.headers });
    if (session)
      return limited(
        session.user.email,
        request,
        async (response) => response?.status === 400 && (await codeOf(response)) === "INVALID_PASSWORD",
      );
  }
  return auth().handler(request);
}

async function codeOf(response: Response): Promise<unknown> {
  try {
    return ((await response.clone().json()) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
}

async function limited(
  email: string,
  request: Request,
  failed: (response: Response | undefined) => boolean | Promise<boolean>,
): Promise<Response> {
  try {
    return await withPasswordAttempt(email, request.headers, () => auth().handler(request), failed);
  } catch (error) {
    if (error instanceof AppError && error.code === "TOO_MANY_REQUESTS") return refusal(error);
    throw error;
  }
}
