import type { IncomingMessage, ServerResponse } from "node:http";
import type { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError } from "../errors";
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

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}

/**
 * The same router on Node's own HTTP stack: the app server routes /api/trpc
 * here directly, skipping Next's request handling on the hot path.
 */
export function createTrpcNodeHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_ENDPOINT}/`,
    createContext: ({ req }) => {
      const proto = (req.headers["x-forwarded-proto"] as string | undefined) ?? "http";
      return createContext({ headers: toHeaders(req), requestOrigin: req.headers.host ? `${proto}://${req.headers.host}` : undefined });
    },
    responseMeta,
  });
  return (req, res) => void handler(req, res);
}
