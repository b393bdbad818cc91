import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError } from "zod";
import { authenticate } from "../auth/caller";
import { db, type Db } from "../db";
import { databaseUnavailable, isDatabaseUnavailable } from "../db/errors";
import { appOrigins, env } from "../env";
import { AppError, GENERIC_INTERNAL_MESSAGE, trpcCodeOf } from "../errors";
import { roleRank, type Actor, type Role } from "../auth/actor";
import { findUnsafeText } from "./unsafe-text";
import { provider } from "../provider";
import type { ProviderSource } from "../provider/types";

export type Context = {
  db: Db;
  provider: ProviderSource;
  headers: Headers;
  /** Set by the transport for browser-origin checks; absent in createCaller. */
  requestOrigin?: string;
  /**
   * The caller, when the transport identified it (once per request, not per
   * batched call, and counted then): null when it found no credentials.
   * Absent when nobody has looked yet (createCaller): the procedure does.
   */
  actor?: Actor | null;
  /** Ends the request's connection at once (a live feed whose client stopped reading), where the transport can. */
  endConnection?: () => void;
};

export function createContext(opts: {
  headers: Headers;
  requestOrigin?: string;
  actor?: Actor | null;
  endConnection?: () => void;
}): Context {
  const { headers, requestOrigin, actor, endConnection } = opts;
  return { db: db(), provider: provider(), headers, requestOrigin, actor, endConnection };
}

function fieldOf(error: unknown): string | undefined {
  if (error instanceof ZodError) return error.issues[0]?.path.join(".") || undefined;
  if (error instanceof AppError) return error.field;
  return undefined;
}

function zodMessage(error: ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

const t = initTRPC
  .context<Context>()
  // role: set by the procedures by role below, so a transport can check it before reading the input.
  .meta<OpenApiMeta<{ successStatus?: 201; role?: Role }>>()
  .create({
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
    throw new TRPCError({ code: trpcCodeOf(cause.code), message: cause.message, cause });
  }
  if (!result.ok && result.error.cause instanceof ZodError) {
    // Input that failed its schema: say which field, in words, on every transport.
    const cause = result.error.cause;
    throw new TRPCError({ code: "BAD_REQUEST", message: zodMessage(cause), cause });
  }
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && isDatabaseUnavailable(result.error.cause)) {
    // The database is down or restarting: a retryable 503, not a bug.
    const cause = databaseUnavailable(result.error.cause);
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: cause.message, cause });
  }
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") console.error(result.error);
  return result;
});

// Postgres refuses NUL in text, and a lone surrogate is not text at all: such
// input is the client's mistake (400 naming the field), on every transport,
// before any schema or service sees it.
const safeText = t.middleware(async ({ getRawInput, next }) => {
  const unsafe = findUnsafeText(await getRawInput());
  if (unsafe) throw new AppError("BAD_REQUEST", `${unsafe.field || "input"}: ${unsafe.problem}.`, { field: unsafe.field || undefined });
  return next();
});

const procedure = t.procedure.use(appErrors);

export const publicProcedure = procedure.use(safeText);

// A browser's mutation must come from our own pages: the request's own
// origin, or a configured public one (APP_URL's; every loopback name for the
// port when it is unset).
function isCrossSite(ctx: Context): boolean {
  const origin = ctx.headers.get("origin");
  if (origin && origin !== ctx.requestOrigin && !appOrigins().includes(origin)) return true;
  return ctx.headers.get("sec-fetch-site") === "cross-site";
}

const authedProcedure = procedure.use(async ({ ctx, type, next }) => {
  const actor = ctx.actor === undefined ? await authenticate({ db: ctx.db, headers: ctx.headers }) : ctx.actor;
  if (!actor) throw new AppError("UNAUTHORIZED", "Sign in, or send an API key as `Authorization: Bearer <key>`.");
  if (actor.kind === "user" && type === "mutation" && isCrossSite(ctx)) {
    throw new AppError("FORBIDDEN", "Cross-site requests cannot change jobs.");
  }
  return next({ ctx: { ...ctx, actor } });
});

/** Whether the actor may call a procedure that needs `role` (the product itself may call any). */
export function hasRole(actor: Actor, role: Role): boolean {
  return roleRank(actor.kind === "system" ? "admin" : actor.role) >= roleRank(role);
}

/** The refusal of a caller without the role. */
export function roleRefusal(actor: Actor, role: Role): AppError {
  return new AppError("FORBIDDEN", `This needs the ${role} role; you are a ${actor.kind === "system" ? "system" : actor.role}.`);
}

// The role is checked before the input is looked at (text, then the schema),
// so a caller without it learns nothing about inputs it may not send.
function requireRole(role: Role) {
  return authedProcedure
    .meta({ role })
    .use(({ ctx, next }) => {
      if (!hasRole(ctx.actor, role)) throw roleRefusal(ctx.actor, role);
      return next();
    })
    .use(safeText);
}

export const viewerProcedure = requireRole("viewer");
export const operatorProcedure = requireRole("operator");
export const adminProcedure = requireRole("admin");
