import { db } from "../../db";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "../../errors";
import { idempotencyScope } from "../../idempotency/scope";
import { isValidIdempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, runIdempotently } from "../../idempotency/service";
import { appRouter } from "../../trpc/root";
import { REST_BASE_PATH } from "./constants";
import { errorResponse, JSON_HEADERS, responseFromAppError, responseFromTrpcError, type RestResponse } from "./errors";
import { invokeProcedure } from "./invoke";
import { readJsonBody, requestFingerprint, type JsonObject } from "./request";
import { collectRoutes, matchRoute, type RestRoute } from "./routes";

/** A REST request as both transports (Node's http, fetch) hand it over. */
export type RestRequest = {
  method: string;
  url: URL;
  headers: Headers;
  /** The raw body; null when there is none. */
  body: string | null;
  /** This server's own origin, for the cross-site check on cookie sessions. */
  requestOrigin?: string;
};

export type { RestResponse };

const routes = collectRoutes(appRouter);

/** REST v1: routing, body checks and Idempotency-Key here; the procedures do the rest. Never throws. */
export async function handleRestRequest(req: RestRequest): Promise<RestResponse> {
  try {
    return await handle(req);
  } catch (error) {
    if (error instanceof AppError) return responseFromAppError(error);
    console.error("REST request failed", error);
    return errorResponse("INTERNAL_SERVER_ERROR", GENERIC_INTERNAL_MESSAGE);
  }
}

async function handle(req: RestRequest): Promise<RestResponse> {
  const { pathname } = req.url;
  const method = req.method === "HEAD" ? "GET" : req.method;
  const match = pathname.startsWith(`${REST_BASE_PATH}/`) ? matchRoute(routes, method, pathname.slice(REST_BASE_PATH.length)) : { kind: "none" as const };
  if (match.kind === "none") return errorResponse("NOT_FOUND", `There is no ${method} ${pathname}; the API is described at /api/openapi.json.`);
  if (match.kind === "wrong_method") {
    const allow = [...match.allowed, ...(match.allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
    if (method === "OPTIONS") return { status: 204, headers: { allow }, body: null };
    return errorResponse("METHOD_NOT_ALLOWED", `${pathname} answers ${match.allowed.join(", ")}, not ${method}.`, { headers: { allow } });
  }
  const { route, params } = match;
  const body = readJsonBody({ route, params, contentType: req.headers.get("content-type"), text: req.body });
  const run = () => runRoute(req, route, body);

  const key = req.headers.get("idempotency-key");
  if (key === null || !route.idempotent) return run();
  if (!isValidIdempotencyKey(key)) {
    throw new AppError("BAD_REQUEST", `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters.`, { field: "Idempotency-Key" });
  }
  const scope = await idempotencyScope({ db: db(), headers: req.headers });
  if (!scope) return run(); // no usable credentials: the procedure answers 401
  const result = await runIdempotently({ db: db(), scope, key, fingerprint: requestFingerprint(route, params, body), execute: run });
  if (!result.replayed) return result.response;
  return { status: result.response.status, headers: { ...JSON_HEADERS, "idempotent-replayed": "true" }, body: result.response.body };
}

async function runRoute(req: RestRequest, route: RestRoute, body: JsonObject | undefined): Promise<RestResponse> {
  const url = new URL(req.url);
  url.pathname = url.pathname.slice(REST_BASE_PATH.length);
  // trpc-to-openapi collects the query into a plain object, so a parameter
  // named like an Object.prototype member ("constructor", "__proto__") crashes
  // it. No input is named so: such parameters are dropped.
  for (const name of [...url.searchParams.keys()]) if (name in Object.prototype) url.searchParams.delete(name);
  const result = await invokeProcedure({ method: route.method, url, headers: req.headers, body, requestOrigin: req.requestOrigin });
  if (!result.ok) return responseFromTrpcError(result.error);
  return { status: result.status === 200 ? route.successStatus : result.status, headers: { ...JSON_HEADERS }, body: result.body };
}
