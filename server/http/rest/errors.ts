import type { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { AppError, ERROR_HTTP_STATUS, GENERIC_INTERNAL_MESSAGE, isAppErrorCode, type AppErrorCode } from "../../errors";

// The REST error envelope, `{ "error": { "code", "message" } }`, with the HTTP
// status of its code from the one table in server/errors.ts.

export type RestResponse = { status: number; headers: Record<string, string>; body: string | null };

export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;

export type ErrorOptions = { field?: string; retryAfterSeconds?: number; headers?: Record<string, string> };

export function errorResponse(code: AppErrorCode, message: string, options: ErrorOptions = {}): RestResponse {
  const headers: Record<string, string> = { ...JSON_HEADERS, ...options.headers };
  if (options.retryAfterSeconds !== undefined) headers["retry-after"] = String(options.retryAfterSeconds);
  const error = options.field ? { code, message, field: options.field } : { code, message };
  return { status: ERROR_HTTP_STATUS[code], headers, body: JSON.stringify({ error }) };
}

export function responseFromAppError(error: AppError): RestResponse {
  if (error.code === "INTERNAL_SERVER_ERROR") return errorResponse("INTERNAL_SERVER_ERROR", GENERIC_INTERNAL_MESSAGE);
  return errorResponse(error.code, error.message, { field: error.field, retryAfterSeconds: error.retryAfterSeconds });
}

/** What a procedure's failure looks like on REST: services' AppErrors keep their code and words. */
export function responseFromTrpcError(error: TRPCError): RestResponse {
  const cause = error.cause;
  if (cause instanceof AppError) return responseFromAppError(cause);
  if (error.code === "PARSE_ERROR") return errorResponse("BAD_REQUEST", "The request body is not valid JSON.");
  if (error.code !== "INTERNAL_SERVER_ERROR" && isAppErrorCode(error.code)) {
    const field = cause instanceof ZodError ? cause.issues[0]?.path.join(".") || undefined : undefined;
    return errorResponse(error.code, error.message, { field });
  }
  console.error("REST request failed", error);
  return errorResponse("INTERNAL_SERVER_ERROR", GENERIC_INTERNAL_MESSAGE);
}
