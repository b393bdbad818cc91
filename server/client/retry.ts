import { retryLink, type Operation, type TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AppRouter, MutationPath } from "./app-router";
import { codeOf } from "./errors";

/**
 * Mutations that are safe to repeat: doing them twice leaves the job as doing
 * them once (cancelling a cancelled job, pausing a paused one, resuming a
 * running one answer it as it is). Queries are always safe. A new idempotent
 * mutation is one more entry; the type refuses a path the API does not have.
 */
export const IDEMPOTENT_MUTATIONS = [
  "finetuning.cancel",
  "finetuning.pause",
  "finetuning.resume",
  "sweep.cancel",
  "sweep.pause",
  "sweep.resume",
] as const satisfies readonly MutationPath[];

/** Codes that say "this did not happen; try again": overload, provider or database unreachable, timeouts, no answer. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "TOO_MANY_REQUESTS",
  "BAD_GATEWAY",
  "SERVICE_UNAVAILABLE",
  "GATEWAY_TIMEOUT",
  "TIMEOUT",
  "NETWORK_ERROR",
]);

export type RetryOptions = {
  /** Tries in all, the first included (default 3). */
  attempts?: number;
  /** The first backoff; each next one doubles, with full jitter (default 200 ms). */
  baseDelayMs?: number;
  /** The longest backoff (default 5 s); a server's Retry-After wins when longer. */
  maxDelayMs?: number;
};

export function isIdempotent(op: Pick<Operation, "type" | "path">): boolean {
  return op.type === "query" || (op.type === "mutation" && (IDEMPOTENT_MUTATIONS as readonly string[]).includes(op.path));
}

function isRetryable(error: TRPCClientError<AppRouter>): boolean {
  return RETRYABLE_CODES.has(codeOf(error));
}

export function idempotentRetryLink(options: RetryOptions): TRPCLink<AppRouter> {
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  // retryLink asks `retry` and then, synchronously, `retryDelayMs` for the
  // same failure; the Retry-After seen by the first is handed to the second.
  let retryAfterMs = 0;
  return retryLink<AppRouter>({
    retry: ({ op, error, attempts: made }) => {
      if (made >= attempts || op.signal?.aborted || !isIdempotent(op) || !isRetryable(error)) return false;
      retryAfterMs = (error.data?.retryAfterSeconds ?? 0) * 1000;
      return true;
    },
    retryDelayMs: (made) => Math.max(retryAfterMs, Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (made - 1))),
  });
}
