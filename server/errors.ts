import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

// Services throw AppError; this one table maps its codes to HTTP statuses, for
// tRPC, REST, the OpenAPI document, the client package and the tests alike.
// Each code is also tRPC's name for it, but for 405 (see trpcCodeOf).
export const ERROR_HTTP_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type AppErrorCode = keyof typeof ERROR_HTTP_STATUS;

/** tRPC's name for an error code: the same word, but for 405, which tRPC calls METHOD_NOT_SUPPORTED. */
export function trpcCodeOf(code: AppErrorCode): TRPC_ERROR_CODE_KEY {
  return code === "METHOD_NOT_ALLOWED" ? "METHOD_NOT_SUPPORTED" : code;
}

export function isAppErrorCode(code: string): code is AppErrorCode {
  return Object.hasOwn(ERROR_HTTP_STATUS, code);
}

export type AppErrorOptions = { field?: string; retryAfterSeconds?: number; cause?: unknown };

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const GENERIC_INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged.";
