import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "./app-router";

type ErrorData = NonNullable<TRPCClientError<AppRouter>["data"]>;

/** The contract's codes (NOT_FOUND, CONFLICT, BAD_GATEWAY, …), plus NETWORK_ERROR when no answer came. */
export type FinetuningApiErrorCode = ErrorData["code"] | "NETWORK_ERROR";

/**
 * What every call rejects with: a TRPCClientError (so code written for the
 * plain tRPC client keeps working) that carries the contract's code, the HTTP
 * status, the field at fault and the server's Retry-After, read from the wire.
 */
export class FinetuningApiError extends TRPCClientError<AppRouter> {
  readonly code: FinetuningApiErrorCode;
  /** The HTTP status the server answered; undefined when no answer came. */
  readonly httpStatus: number | undefined;
  /** The input field at fault (BAD_REQUEST), when the server names one. */
  readonly field: string | undefined;
  /** How long the server asks to wait before retrying (TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE). */
  readonly retryAfterSeconds: number | undefined;
  /** The procedure that failed, e.g. "finetuning.cancel". */
  readonly procedure: string | undefined;

  constructor(error: TRPCClientError<AppRouter>, procedure?: string) {
    super(error.message, { result: error.shape ? { error: error.shape } : undefined, cause: error.cause ?? error, meta: error.meta });
    // TRPCClientError resets its prototype to its own; this one's methods and `instanceof` need ours.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = "FinetuningApiError";
    this.code = codeOf(error);
    this.httpStatus = error.data?.httpStatus;
    this.field = error.data?.field ?? undefined;
    this.retryAfterSeconds = error.data?.retryAfterSeconds ?? undefined;
    this.procedure = error.data?.path ?? procedure;
  }
}

function codeOf(error: TRPCClientError<AppRouter>): FinetuningApiErrorCode {
  if (error.data?.code) return error.data.code;
  // No answer: our own timeout, the caller's abort, or the network.
  const cause: unknown = error.cause;
  const name = cause instanceof Error ? cause.name : undefined;
  if (name === "TimeoutError") return "TIMEOUT";
  if (name === "AbortError") return "CLIENT_CLOSED_REQUEST";
  return "NETWORK_ERROR";
}

/** True for any error a client call rejects with (also across copies of this package). */
export function isFinetuningApiError(error: unknown): error is FinetuningApiError {
  return error instanceof FinetuningApiError || (error instanceof Error && error.name === "FinetuningApiError" && "code" in error);
}

/** The outermost link: whatever the links below fail with reaches the caller as a FinetuningApiError. */
export function finetuningApiErrorLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => observer.error(error instanceof FinetuningApiError ? error : new FinetuningApiError(error, op.path)),
          complete: () => observer.complete(),
        });
        return () => subscription.unsubscribe();
      });
}
