import type { IncomingMessage, ServerResponse } from "node:http";
import type { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError } from "../errors";
import { headersOf, originOf } from "./node-request";
import { createContext } from "../trpc/init";
import { appRouter } from "../trpc/root";

export const TRPC_ENDPOINT = "/api/trpc";

// 429s carry Retry-After whichever transport answers them.
function responseMeta({ errors }: { errors: TRPCError[] }) {
  const limited = errors.find((e) => e.cause instanceof AppError && e.cause.retryAfterSeconds !== undefined);
  const seconds = limited?.cause instanceof AppError ? limited.cause.retryAfterSeconds : undefined;
  return seconds === undefined ? {} : { headers: new Headers({ "retry-after": String(seconds) }) };
}

/** For Next's route handler (app/api/trpc/[trpc]/route.ts). */
export function handleTrpcFetch(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: () => createContext({ headers: req.headers, requestOrigin: new URL(req.url).origin }),
    responseMeta,
  });
}

/**
 * The same router on Node's own HTTP stack: the app server routes /api/trpc
 * here directly, skipping Next's request handling on the hot path.
 */
export function createTrpcNodeHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_ENDPOINT}/`,
    createContext: ({ req }) => createContext({ headers: headersOf(req), requestOrigin: originOf(req) }),
    responseMeta,
  });
  return (req, res) => void handler(req, res);
}
