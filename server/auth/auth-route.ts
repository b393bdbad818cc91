import { db } from "../db";
import { appOrigins } from "../env";
import { AppError } from "../errors";
import { assertUnderFailureLimits, recordFailure, SIGN_IN_FAILURES_PER_ACCOUNT, SIGN_IN_FAILURES_PER_ADDRESS, type FailureLimit } from "../rate-limit/failures";
import { auth, DISABLED_AUTH_PATHS } from "./auth";
import { clientAddressFrom } from "./client-address";

const AUTH_BASE_PATH = "/api/auth";
const SIGN_IN_PATH = `${AUTH_BASE_PATH}/sign-in/email`;
const MAX_AUTH_BODY_BYTES = 64 * 1024;
const TOO_MANY = "Too many failed sign-ins for this account or from this address.";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
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
export async function handleAuthRequest(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (DISABLED_AUTH_PATHS.some((path) => pathname === `${AUTH_BASE_PATH}${path}`)) {
    return json(404, { code: "NOT_FOUND", message: "Not found. API keys are managed by admins in Settings or with the CLI." });
  }
  if (Number(request.headers.get("content-length") ?? 0) > MAX_AUTH_BODY_BYTES) return json(413, { code: "PAYLOAD_TOO_LARGE", message: "The body is too large." });
  // better-auth checks Origin only when cookies come along; a sign-in from another
  // site (login CSRF) or from an address other than APP_URL's is refused here, saying where to go.
  const origin = request.headers.get("origin");
  if (request.method === "POST" && origin && !appOrigins().includes(origin)) {
    const home = appOrigins()[0] ?? "";
    return json(403, { code: "INVALID_ORIGIN", message: `Sign-in works only at ${home}: open ${home}/sign-in.` });
  }
  if (request.method !== "POST" || pathname !== SIGN_IN_PATH) return auth().handler(request);

  const limits: FailureLimit[] = [
    { subject: `sign-in-account:${await emailOf(request)}`, max: SIGN_IN_FAILURES_PER_ACCOUNT },
    { subject: `sign-in-address:${clientAddressFrom(request.headers)}`, max: SIGN_IN_FAILURES_PER_ADDRESS },
  ];
  try {
    await assertUnderFailureLimits({ db: db(), limits, message: TOO_MANY });
  } catch (error) {
    if (error instanceof AppError && error.code === "TOO_MANY_REQUESTS") return refusal(error);
    throw error;
  }
  const response = await auth().handler(request);
  if (response.status === 401) await recordFailure({ db: db(), limits, message: TOO_MANY });
  return response;
}
