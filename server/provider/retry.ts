import { APIConnectionError, APIError, NotFoundError } from "openai";
import {
  APIConnectionError as TogetherConnectionError,
  APIError as TogetherAPIError,
  NotFoundError as TogetherNotFoundError,
} from "together-ai";
import { ProviderNotFoundError, ProviderRejectedError, ProviderUnavailableError } from "./types";

// Both SDKs (openai, together-ai) are generated alike: the same error classes
// with the same fields, each SDK its own copy. Every check here takes either.
const isConnectionError = (error: unknown) => error instanceof APIConnectionError || error instanceof TogetherConnectionError;
const isNotFound = (error: unknown) => error instanceof NotFoundError || error instanceof TogetherNotFoundError;
type AnyApiError = { status: number | undefined; headers: Headers | undefined; message: string };
function apiError(error: unknown): AnyApiError | null {
  return error instanceof APIError || error instanceof TogetherAPIError ? error : null;
}

const RETRYABLE_STATUS = new Set([408, 409, 429]);

export function isTransient(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const status = apiError(error)?.status;
  return status !== undefined && (RETRYABLE_STATUS.has(status) || status >= 500);
}

function retryAfterMs(error: unknown): number | null {
  const headers = apiError(error)?.headers;
  if (!headers) return null;
  const ms = Number(headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

export type RetryOptions = { deadlineMs: number; baseDelayMs?: number; what: string };

/**
 * Runs a call that is safe to repeat, retrying transient failures (408, 409,
 * 429, 5xx, connection errors and timeouts) with exponential backoff and
 * jitter, honouring retry-after, until a deadline. Then ProviderUnavailableError.
 */
export async function withRetries<T>(call: () => Promise<T>, { deadlineMs, baseDelayMs = 200, what }: RetryOptions): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error)) throw asProviderError(error, what);
      const backoff = Math.min(baseDelayMs * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2);
      const wait = Math.max(retryAfterMs(error) ?? 0, backoff);
      if (Date.now() + wait >= deadline) {
        throw new ProviderUnavailableError(`${what}: the provider kept failing (${describe(error)})`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function asProviderError(error: unknown, what: string): Error {
  if (isTransient(error)) return new ProviderUnavailableError(`${what}: ${describe(error)}`, { cause: error });
  if (isNotFound(error)) return new ProviderNotFoundError(`${what}: ${describe(error)}`, { cause: error });
  if (apiError(error)) return new ProviderRejectedError(`${what}: ${describe(error)}`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
