import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError } from "zod";
import { authenticate } from "../auth/caller";
import { db, type Db } from "../db";
import { isDatabaseUnavailable } from "../db/errors";
import { appUrl, env } from "../env";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "../errors";
import type { Role } from "../auth/actor";
import { provider } from "../provider";
import type { FinetuningProvider } from "../provider/types";

export type Context = {
  db: Db;
  provider: FinetuningProvider;
  headers: Headers;
  /** Set by the transport for browser-origin checks; absent in createCaller. */
  requestOrigin?: string;
};

export function createContext(opts: { headers: Headers; requestOrigin?: string }): Context {
  return { db: db(), provider: provider(), headers: opts.headers, requestOrigin: opts.requestOrigin };
}

function fieldOf(error: unknown): string | undefined {
  if (error instanceof ZodError) return error.issues[0]?.path.join(".") || undefined;
  if (error instanceof AppError) return error.field;
  return undefined;
}

function zodMessage(error: ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

const t = initTRPC.context<Context>().meta<OpenApiMeta<{ successStatus?: 201 }>>().create({
  // Live feeds: each connection ends after LIVE_FEED_MAX_DURATION_MS and the
  // browser reconnects with its lastEventId, authenticating again, so a
  // revoked key or ended session stops receiving changes. Pings let both
  // ends notice a connection a proxy dropped. Read per request, not at import.
  sse: {
    get maxDurationMs() {
      return env().LIVE_FEED_MAX_DURATION_MS;
    },
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 30_000 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const message =
      cause instanceof ZodError ? zodMessage(cause) : error.code === "INTERNAL_SERVER_ERROR" ? GENERIC_INTERNAL_MESSAGE : shape.message;
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        field: fieldOf(cause) ?? null,
        retryAfterSeconds: cause instanceof AppError ? (cause.retryAfterSeconds ?? null) : null,
      },
    };
  },
});

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

// Services throw AppError; here, once, it becomes the tRPC error of the same code.
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  if (!result.ok && result.error.cause instanceof ZodError) {
    // Input that failed its schema: say which field, in words, on every transport.
    const cause = result.error.cause;
    throw new TRPCError({ code: "BAD_REQUEST", message: zodMessage(cause), cause });
  }
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && isDatabaseUnavailable(result.error.cause)) {
    // The database is down or restarting: a retryable 503, not a bug.
    const cause = new AppError("SERVICE_UNAVAILABLE", "The database is unavailable right now; retry shortly.", { retryAfterSeconds: 1, cause: result.error.cause });
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: cause.message, cause });
  }
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") console.error(result.error);
  return result;
});

export const publicProcedure = t.procedure.use(appErrors);

// A browser's mutation must come from our own pages: the request's own
// origin, or the configured public one (behind a proxy they differ).
function isCrossSite(ctx: Context): boolean {
  const origin = ctx.headers.get("origin");
  if (origin && origin !== ctx.requestOrigin && origin !== new URL(appUrl()).origin) return true;
  return ctx.headers.get("sec-fetch-site") === "cross-site";
}

export const authedProcedure = publicProcedure.use(async ({ ctx, type, next }) => {
  const actor = await authenticate({ db: ctx.db, headers: ctx.headers });
  if (!actor) throw new AppError("UNAUTHORIZED", "Sign in, or send an API key as `Authorization: Bearer <key>`.");
  if (actor.kind === "user" && type === "mutation" && isCrossSite(ctx)) {
    throw new AppError("FORBIDDEN", "Cross-site requests cannot change jobs.");
  }
  return next({ ctx: { ...ctx, actor } });
});

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

function requireRole(role: Role) {
  return authedProcedure.use(({ ctx, next }) => {
    if (RANK[ctx.actor.kind === "system" ? "admin" : ctx.actor.role] < RANK[role]) {
      throw new AppError("FORBIDDEN", `This needs the ${role} role; you are a ${ctx.actor.kind === "system" ? "system" : ctx.actor.role}.`);
    }
    return next();
  });
}

export const viewerProcedure = requireRole("viewer");
export const operatorProcedure = requireRole("operator");
export const adminProcedure = requireRole("admin");

