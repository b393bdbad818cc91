import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { ERROR_HTTP_STATUS, trpcCodeOf, type AppErrorCode } from "../errors";
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
    this.httpStatus = error.data?.httpStatus ?? httpStatusOf(error);
    this.field = error.data?.field ?? undefined;
    this.retryAfterSeconds = error.data?.retryAfterSeconds ?? undefined;
    this.procedure = error.data?.path ?? procedure;
  }
}

const CODE_OF_STATUS = new Map(
  Object.entries(ERROR_HTTP_STATUS).map(([code, status]) => [status as number, trpcCodeOf(code as AppErrorCode)]),
);

/** An error status whose body is not the API's JSON (a proxy's or load balancer's page); thrown by the client's fetch. */
export class NonApiResponseError extends Error {
  constructor(readonly status: number) {
    super(`The server answered ${status} without the API's JSON (a proxy or load balancer in between?).`);
    this.name = "NonApiResponseError";
  }
}

/**
 * The HTTP status of an answer that was not tRPC's: a proxy's error page, or
 * a refused live feed (the EventSource's error event, which tRPC hands over
 * as the shape, carries it as `code`).
 */
function httpStatusOf(error: TRPCClientError<AppRouter>): number | undefined {
  if (error.cause instanceof NonApiResponseError) return error.cause.status;
  const shape: unknown = error.shape;
  if (
    shape &&
    typeof shape === "object" &&
    "type" in shape &&
    shape.type === "error" &&
    "code" in shape &&
    typeof shape.code === "number" &&
    shape.code >= 400
  ) {
    return shape.code;
  }
  return undefined;
}

/** The contract's code of any failure: the server's own, else its HTTP status's, else what kept the answer away. */
export function codeOf(error: TRPCClientError<AppRouter>): FinetuningApiErrorCode {
  if (error.data?.code) return error.data.code;
  const status = httpStatusOf(error);
  if (status !== undefined) return CODE_OF_STATUS.get(status) ?? (status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST");
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
