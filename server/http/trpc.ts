import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { authenticateBeforeBody, budgetSubject, callerSubject, hasCredentials } from "../auth/caller";
import { takeLiveFeedPlace } from "../rate-limit/live-feeds";
import { isValidIdempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, runIdempotently } from "../idempotency/service";
import { db } from "../db";
import { AppError, ERROR_HTTP_STATUS, GENERIC_INTERNAL_MESSAGE, trpcCodeOf } from "../errors";
import { headersOf, originOf } from "./node-request";
import { safeDecode } from "./path";
import { bufferedRequest, MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES, tooLargeMessage } from "./body";
import { createContext, hasRole, roleRefusal } from "../trpc/init";
import { appRouter } from "../trpc/root";
import type { Actor, Role } from "../auth/actor";
import { secretFieldOf } from "../idempotency/secrets";

export const TRPC_ENDPOINT = "/api/trpc";

/** Calls one batched request may carry (the client's batch link must not send more). */
export const MAX_BATCH_CALLS = 10;
const IMPORT_PATH = `${TRPC_ENDPOINT}/goldenRecord.import`;

// 429s carry Retry-After whichever transport answers them.
function responseMeta({ errors }: { errors: TRPCError[] }) {
  const limited = errors.find((e) => e.cause instanceof AppError && e.cause.retryAfterSeconds !== undefined);
  const seconds = limited?.cause instanceof AppError ? limited.cause.retryAfterSeconds : undefined;
  return seconds === undefined ? {} : { headers: new Headers({ "retry-after": String(seconds) }) };
}

function bodyLimitOf(pathname: string): number {
  return pathname === IMPORT_PATH ? MAX_IMPORT_BODY_BYTES : MAX_BODY_BYTES;
}

// tRPC's adapters decode the path unguarded; a malformed escape must be a 400, not a thrown URIError.
const malformedPath = () => new AppError("BAD_REQUEST", "The path has a malformed percent-escape.");
const tooLarge = (limit: number) => new AppError("PAYLOAD_TOO_LARGE", tooLargeMessage(limit));

/** For Next's route handler (app/api/trpc/[trpc]/route.ts). */
export async function handleTrpcFetch(request: Request): Promise<Response> {
  if (safeDecode(new URL(request.url).pathname) === null) return errorResponse(request.url, malformedPath());
  // The node handler's guards: credentials from the headers first, then the body within its limit.
  let actor: Actor | undefined;
  if (hasCredentials(request.headers) || request.method !== "GET") {
    try {
      actor = await authenticateBeforeBody({ db: db(), headers: request.headers });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return errorResponse(request.url, error);
    }
  }
  const limit = bodyLimitOf(new URL(request.url).pathname);
  const req = await bufferedRequest(request, limit);
  if (!req) return errorResponse(request.url, tooLarge(limit));
  if (actor && isSubscription(new URL(req.url).pathname)) {
    let release: () => void;
    try {
      release = takeFeedPlace(actor);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return errorResponse(req.url, error);
    }
    try {
      return releasedWhenDone(await runTrpc(req, actor), req.signal, release);
    } catch (error) {
      release();
      throw error;
    }
  }
  return runTrpc(req, actor);
}

function runTrpc(req: Request, actor: Actor | undefined): Promise<Response> {
  const run = () =>
    fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req,
      router: appRouter,
      maxBatchSize: MAX_BATCH_CALLS,
      createContext: () => createContext({ headers: req.headers, requestOrigin: new URL(req.url).origin, actor }),
      responseMeta,
    });
  const key = req.headers.get("idempotency-key");
  return key === null || req.method !== "POST" || !actor ? run() : runWithIdempotencyKey(req, actor, key, run);
}

/** Whether the path names one subscription (tRPC refuses subscriptions in a batch). */
function isSubscription(pathname: string): boolean {
  const name = safeDecode(pathname.slice(TRPC_ENDPOINT.length + 1)) ?? "";
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
  return Object.hasOwn(procedures, name) && procedures[name]?._def.type === "subscription";
}

/** A place among the caller's open live feeds; the product itself is not limited. */
function takeFeedPlace(actor: Actor): () => void {
  const subject = budgetSubject(actor);
  return subject ? takeLiveFeedPlace(subject) : () => {};
}

/** The response, giving back `release` when its body ends, is cancelled, or the request goes away. */
function releasedWhenDone(response: Response, signal: AbortSignal, release: () => void): Response {
  signal.addEventListener("abort", release, { once: true });
  if (!response.body) {
    release();
    return response;
  }
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      flush: release,
      cancel: release,
    } as Transformer<Uint8Array, Uint8Array>),
  );
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * A mutation sent with an Idempotency-Key runs once per caller and key, as on
 * REST (the same store and rules): a retry with the same request replays the
 * first answer, a different request under the same key is a 422.
 */
async function runWithIdempotencyKey(req: Request, actor: Actor, key: string, run: () => Promise<Response>): Promise<Response> {
  if (!isValidIdempotencyKey(key)) {
    return errorResponse(
      req.url,
      new AppError("BAD_REQUEST", `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters.`),
    );
  }
  const scope = callerSubject(actor);
  if (!scope) return run();
  const { pathname, search } = new URL(req.url);
  const calls = callsOf(pathname);
  // The role before the key is looked up: a replay is refused to a caller who may no longer send the request.
  for (const call of calls) if (call.role && !hasRole(actor, call.role)) return errorResponse(req.url, roleRefusal(actor, call.role));
  // The transport is part of the request: a key reused on REST is another request.
  const fingerprint = `trpc ${pathname}${search} ${await req.clone().text()}`;
  let result;
  try {
    result = await runIdempotently({
      db: db(),
      scope,
      key,
      fingerprint,
      execute: async () => {
        const response = await run();
        return { status: response.status, body: await response.text(), headers: response.headers };
      },
      secretFields: calls.flatMap((call) => (call.secretField ? [call.secretField] : [])),
    });
  } catch (error) {
    // The key was used for another request (422), or its first request still runs (409).
    if (!(error instanceof AppError)) throw error;
    return errorResponse(req.url, error);
  }
  const { status, body } = result.response;
  const headers = result.replayed
    ? new Headers({ "content-type": "application/json", "idempotent-replayed": "true" })
    : result.response.headers;
  return new Response(body, { status, headers });
}

type Call = { role: Role | undefined; secretField: string | undefined };

/** What the transport needs to know of each procedure a path names (at most MAX_BATCH_CALLS; tRPC refuses more). */
function callsOf(pathname: string): Call[] {
  const names = (safeDecode(pathname.slice(TRPC_ENDPOINT.length + 1)) ?? "").split(",", MAX_BATCH_CALLS + 1);
  return names.flatMap((name) => {
    const procedure = Object.hasOwn(appRouter._def.procedures, name)
      ? (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { role?: Role }; output?: unknown } }>)[name]
      : undefined;
    return procedure ? [{ role: procedure._def.meta?.role, secretField: secretFieldOf(procedure._def.output) }] : [];
  });
}

/** The longest procedure name an error answer repeats: real ones are far shorter. */
const MAX_PATH_ECHO = 64;

/**
 * A refusal before tRPC runs, in the shape its errorFormatter gives (an array
 * for a batch). Its size is bounded whatever the path: at most MAX_BATCH_CALLS
 * entries, each naming at most MAX_PATH_ECHO characters of its procedure.
 */
function errorResponse(url: string, error: AppError): Response {
  const { pathname, searchParams } = new URL(url, "http://localhost");
  const status = ERROR_HTTP_STATUS[error.code];
  const code = trpcCodeOf(error.code);
  const paths = (safeDecode(pathname.slice(TRPC_ENDPOINT.length + 1)) ?? "")
    .split(",", MAX_BATCH_CALLS)
    .map((path) => path.slice(0, MAX_PATH_ECHO));
  const message = status >= 500 && status !== 503 ? GENERIC_INTERNAL_MESSAGE : error.message;
  const one = (path: string) => ({
    error: {
      message,
      code: TRPC_ERROR_CODES_BY_KEY[code],
      data: { code, httpStatus: status, path, field: null, retryAfterSeconds: error.retryAfterSeconds ?? null },
    },
  });
  const body = searchParams.get("batch") === "1" ? paths.map(one) : one(paths[0] ?? "");
  const headers = new Headers({ "content-type": "application/json", connection: "close" });
  if (error.retryAfterSeconds !== undefined) headers.set("retry-after", String(error.retryAfterSeconds));
  return new Response(JSON.stringify(body), { status, headers });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(await response.text());
}

type Handler = ReturnType<typeof createHTTPHandler>;

function webRequestOf(req: IncomingMessage): Request {
  const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
  return new Request(`${originOf(req) ?? "http://localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers: headersOf(req),
    body,
    duplex: "half",
  } as RequestInit);
}

/**
 * The same router on Node's own HTTP stack: the app server routes /api/trpc
 * here directly, skipping Next's request handling on the hot path.
 *
 * Credentials are checked from the headers before any body is read, once per
 * request (not once per batched call), and the caller rides in the context;
 * a request with none is refused at once unless it is a plain read.
 */
export function createTrpcNodeHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  const preauthenticated = new WeakMap<IncomingMessage, Actor>();
  const make = (maxBodySize: number): Handler =>
    createHTTPHandler({
      router: appRouter,
      basePath: `${TRPC_ENDPOINT}/`,
      maxBatchSize: MAX_BATCH_CALLS,
      maxBodySize,
      createContext: ({ req, res }) =>
        createContext({
          headers: headersOf(req),
          requestOrigin: originOf(req),
          actor: preauthenticated.get(req),
          endConnection: () => res.destroy(),
        }),
      responseMeta,
    });
  const regular = make(MAX_BODY_BYTES);
  const importing = make(MAX_IMPORT_BODY_BYTES);

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (safeDecode((req.url ?? "/").split("?")[0] ?? "") === null) return send(res, errorResponse(req.url ?? "/", malformedPath()));
    // Idempotent mutations take the fetch path, where the answer is a value to store and replay.
    if (req.method === "POST" && req.headers["idempotency-key"] !== undefined) return send(res, await handleTrpcFetch(webRequestOf(req)));
    const url = req.url ?? "/";
    const pathname = url.split("?")[0] ?? url;
    const headers = headersOf(req);
    if (hasCredentials(headers) || req.method !== "GET") {
      try {
        preauthenticated.set(req, await authenticateBeforeBody({ db: db(), headers }));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return send(res, errorResponse(url, error));
      }
    }
    const limit = bodyLimitOf(pathname);
    if (Number(req.headers["content-length"] ?? 0) > limit) return send(res, errorResponse(url, tooLarge(limit)));
    const actor = preauthenticated.get(req);
    if (actor && isSubscription(pathname)) {
      try {
        const release = takeFeedPlace(actor);
        res.once("finish", release).once("close", release);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return send(res, errorResponse(url, error));
      }
    }
    (pathname === IMPORT_PATH ? importing : regular)(req, res);
  };
  return (req, res) =>
    void serve(req, res).catch((error: unknown) => {
      console.error("tRPC request failed", error);
      if (!res.headersSent) void send(res, errorResponse(req.url ?? "/", new AppError("INTERNAL_SERVER_ERROR", GENERIC_INTERNAL_MESSAGE)));
    });
}
