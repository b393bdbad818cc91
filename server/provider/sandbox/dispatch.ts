// Request pipeline: stats → fault injection → auth → route → reply (or not).
// Handlers return values, which is what makes "drop after effect" possible.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { controlRoutes } from "./control-routes";
import type { FaultBook } from "./faults";
import { ApiError, errorReply, readBody, sendReply, type Reply } from "./http";
import { matchRoute, routeKey, type Ctx, type Route, type RouteMatch } from "./router";
import type { Fault, Sandbox, SandboxStats } from "./types";
import type { Core } from "./view";

export type Deps = {
  core: Core;
  /** The provider API's routes (OpenAI's or Together's). */
  routes: readonly Route[];
  /** The provider API's bearer token: the run's API key. */
  apiKey: string;
  /** The control API's bearer token. */
  controlToken: string;
  /** The only Host either API answers: the loopback address and port it listens on. */
  controlHost: () => string;
  faults: FaultBook;
  stats: SandboxStats;
  sandbox: () => Sandbox;
  isClosed: () => boolean;
};

const STATUS_MESSAGES: Record<number, string> = {
  500: "The server had an error while processing your request. Sorry about that!",
  502: "Bad gateway.",
  503: "The server is overloaded or not ready yet.",
  504: "Gateway timeout.",
};

const NO_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";

function faultReply(fault: Extract<Fault, { kind: "status" | "rate_limit" }>): Reply {
  if (fault.kind === "rate_limit") {
    const reply = errorReply(429, "Rate limit reached for requests (sandbox fault injection).", "requests", null, "rate_limit_exceeded");
    return { ...reply, headers: { "retry-after": String(fault.retryAfterSeconds) } };
  }
  const message = fault.message ?? STATUS_MESSAGES[fault.status] ?? `Injected HTTP ${fault.status}.`;
  return errorReply(fault.status, message, fault.status >= 500 ? "server_error" : "invalid_request_error");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

type Incoming = { req: IncomingMessage; method: string; url: URL; body: Buffer; match: RouteMatch | null; control: boolean };

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Both APIs answer only the launcher, the product and tests: they hold the
 * per-run tokens (the control API's, and the provider API's key). The Host
 * check stops a page in a local browser from reaching either through a
 * rebound DNS name.
 */
function refusal(deps: Deps, req: IncomingMessage, control: boolean): Reply | null {
  if (req.headers.host !== deps.controlHost()) {
    return errorReply(403, `The sandbox answers only Host ${deps.controlHost()}.`, "invalid_request_error", null, "forbidden_host");
  }
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
  if (!control) {
    if (!presented) return errorReply(401, NO_KEY_MESSAGE);
    if (!timingSafeEqual(digest(presented), digest(deps.apiKey))) {
      return errorReply(
        401,
        "Incorrect API key provided: the sandbox takes this run's key only.",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    }
    return null;
  }
  if (!timingSafeEqual(digest(presented), digest(deps.controlToken))) {
    return errorReply(
      401,
      "The sandbox control API needs its token: Authorization: Bearer <control token>.",
      "invalid_request_error",
      null,
      "invalid_control_token",
    );
  }
  return null;
}

async function run(deps: Deps, incoming: Incoming): Promise<Reply> {
  const { req, method, url, match } = incoming;
  if (!match) return errorReply(404, `Invalid URL (${method} ${url.pathname})`);
  const ctx: Ctx = {
    core: deps.core,
    sandbox: deps.sandbox(),
    params: match.params,
    query: url.searchParams,
    body: incoming.body,
    contentType: req.headers["content-type"] ?? "",
  };
  try {
    return await match.route.handler(ctx);
  } catch (error) {
    if (error instanceof ApiError) return error.toReply();
    const message = error instanceof Error ? error.message : String(error);
    return errorReply(500, `Sandbox internal error: ${message}`, "server_error");
  }
}

async function handle(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://sandbox.local");
  const path = url.pathname;
  const control = path === "/_sandbox" || path.startsWith("/_sandbox/");
  const match = matchRoute(control ? controlRoutes : deps.routes, method, path);
  const key = routeKey(method, path, match);
  if (!control) {
    deps.stats.total += 1; // control traffic is not provider traffic
    bump(deps.stats.byRoute, key);
  }

  // Refused before its body is read.
  const refused = refusal(deps, req, control);
  if (refused) {
    res.setHeader("connection", "close");
    return sendReply(res, refused);
  }

  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof ApiError) sendReply(res, error.toReply());
    else res.destroy();
    return;
  }

  // The control API is never faulted, so tests can always clean up.
  const fault = control ? undefined : deps.faults.take(method, path);
  if (fault) bump(deps.stats.faults, key);
  if (fault?.kind === "drop") return void req.socket.destroy();
  if (fault?.kind === "status" || fault?.kind === "rate_limit") return sendReply(res, faultReply(fault));
  // "slow": the effect happens after the delay even if the client gave up meanwhile,
  // like a real overloaded server — a timed-out create may still create the job.
  if (fault?.kind === "slow") await sleep(fault.delayMs);
  if (deps.isClosed()) return void req.socket.destroy();

  const reply = await run(deps, { req, method, url, body, match, control });
  if (fault?.kind === "drop_after_effect") return void req.socket.destroy();
  sendReply(res, reply);
}

export function createRequestListener(deps: Deps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent && !res.destroyed) sendReply(res, errorReply(500, `Sandbox internal error: ${message}`, "server_error"));
    });
  };
}
