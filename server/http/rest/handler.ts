import type { Actor } from "../../auth/actor";
import { authenticateBeforeBody, callerSubject } from "../../auth/caller";
import { db } from "../../db";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "../../errors";
import { isValidIdempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, runIdempotently } from "../../idempotency/service";
import { hasRole, roleRefusal } from "../../trpc/init";
import { appRouter } from "../../trpc/root";
import { REST_BASE_PATH } from "./constants";
import { fromHostedBody, HOSTED_BASE_PATH, HOSTED_PROCEDURES, isHostedPath, toHostedBody } from "./dataherald";
import { errorResponse, JSON_HEADERS, responseFromAppError, responseFromTrpcError, type RestResponse } from "./errors";
import { invokeProcedure } from "./invoke";
import { answersStatusOnly, DELETED_ANSWER, listAnswer, withStringParameters } from "./engine-answers";
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
  /**
   * The caller, when the transport identified it before reading the body;
   * otherwise the handler does, after routing. Either way once per request,
   * counted against the caller's budget then, replay or not.
   */
  actor?: Actor;
};

export type { RestResponse };

/** Where a REST API is served: /api/v1, or the hosted Dataherald paths the SDK calls (the same procedures). */
type Surface = { basePath: string; routes: RestRoute[]; hosted: boolean };

const v1Routes = collectRoutes(appRouter);
const V1: Surface = { basePath: REST_BASE_PATH, routes: v1Routes, hosted: false };
const HOSTED: Surface = {
  basePath: HOSTED_BASE_PATH,
  routes: v1Routes.filter((r) => HOSTED_PROCEDURES.has(r.procedurePath)),
  hosted: true,
};

function surfaceOf(pathname: string): Surface | null {
  if (pathname.startsWith(`${REST_BASE_PATH}/`)) return V1;
  return isHostedPath(pathname) ? HOSTED : null;
}

/** REST v1 and the hosted Dataherald paths: routing, body checks and Idempotency-Key here; the procedures do the rest. Never throws. */
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
  const surface = surfaceOf(pathname);
  const match = surface ? matchRoute(surface.routes, method, pathname.slice(surface.basePath.length)) : { kind: "none" as const };
  if (!surface || match.kind === "none")
    return errorResponse("NOT_FOUND", `There is no ${method} ${pathname}; the API is described at /api/openapi.json.`);
  if (match.kind === "wrong_method") {
    const allow = [...match.allowed, ...(match.allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
    if (method === "OPTIONS") return { status: 204, headers: { allow }, body: null };
    return errorResponse("METHOD_NOT_ALLOWED", `${pathname} answers ${match.allowed.join(", ")}, not ${method}.`, { headers: { allow } });
  }
  const { route, params } = match;
  const actor = req.actor ?? (await authenticateBeforeBody({ db: db(), headers: req.headers }));
  // The role before the body: a caller without it learns nothing about inputs it may not send, and stores nothing.
  if (route.role && !hasRole(actor, route.role)) throw roleRefusal(actor, route.role);
  const raw = readJsonBody({ route, params, contentType: req.headers.get("content-type"), text: req.body });
  const body = surface.hosted ? fromHostedBody(raw) : raw;
  const run = () => runRoute(req, actor, surface, route, body);

  const key = req.headers.get("idempotency-key");
  if (key === null || !route.idempotent) return run();
  if (!isValidIdempotencyKey(key)) {
    throw new AppError("BAD_REQUEST", `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters.`, {
      field: "Idempotency-Key",
    });
  }
  const scope = callerSubject(actor);
  if (!scope) return run();
  const result = await runIdempotently({
    db: db(),
    scope,
    key,
    fingerprint: requestFingerprint(fingerprintRoute(surface, route), params, body),
    execute: run,
    secretFields: route.secretField ? [route.secretField] : [],
  });
  if (!result.replayed) return result.response;
  return { status: result.response.status, headers: { ...JSON_HEADERS, "idempotent-replayed": "true" }, body: result.response.body };
}

// A key reused across /api/v1 and the hosted paths is another request (the
// answers differ in shape); /api/v1's fingerprints stay as they always were.
function fingerprintRoute(surface: Surface, route: RestRoute): RestRoute {
  return surface.hosted ? { ...route, template: `${surface.basePath}${route.template}` } : route;
}

async function runRoute(
  req: RestRequest,
  actor: Actor,
  surface: Surface,
  route: RestRoute,
  body: JsonObject | undefined,
): Promise<RestResponse> {
  const answer = await runProcedure(req, actor, surface, route, body);
  return surface.hosted ? { ...answer, body: toHostedBody(answer) } : answer;
}

async function runProcedure(
  req: RestRequest,
  actor: Actor,
  surface: Surface,
  route: RestRoute,
  body: JsonObject | undefined,
): Promise<RestResponse> {
  const url = new URL(req.url);
  url.pathname = url.pathname.slice(surface.basePath.length);
  // trpc-to-openapi collects the query into a plain object, so a parameter
  // named like an Object.prototype member ("constructor", "__proto__") crashes
  // it. No input is named so: such parameters are dropped.
  for (const name of [...url.searchParams.keys()]) if (name in Object.prototype) url.searchParams.delete(name);
  const result = await invokeProcedure({ method: route.method, url, headers: req.headers, body, requestOrigin: req.requestOrigin, actor });
  if (!result.ok) return withRetryAdvice(responseFromTrpcError(result.error));
  const status = result.status === 200 ? route.successStatus : result.status;
  if (answersStatusOnly(route)) return { status, headers: { ...JSON_HEADERS }, body: JSON.stringify(DELETED_ANSWER) };
  if (!route.paged) return { status, headers: { ...JSON_HEADERS }, body: withStringParameters(result.body) };
  const list = listAnswer(result.body, req.url, req.requestOrigin);
  return { status, headers: { ...JSON_HEADERS, ...list.headers }, body: withStringParameters(list.body) };
}

// Stainless-generated SDKs (Dataherald's among them) retry every 409 unless
// told not to; a job's state conflict (cancelling a succeeded job) will not
// change on retry, unlike an Idempotency-Key still running (answered earlier).
function withRetryAdvice(response: RestResponse): RestResponse {
  if (response.status !== 409) return response;
  return { ...response, headers: { ...response.headers, "x-should-retry": "false" } };
}
