import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { EventSource } from "eventsource";
import type { AppRouter } from "./app-router";
import { finetuningApiErrorLink, NonApiResponseError } from "./errors";
import { idempotentRetryLink, type RetryOptions } from "./retry";

// The typed client for other TypeScript services: every procedure of the API
// (finetuning.cancel, finetuning.list, …) with its input and output types,
// over tRPC's HTTP protocol at `${url}/api/trpc`, and the live changes
// (finetuning.onChange) over server-sent events. Published as its own package
// (server/client/package.json); of the server, only its table of error
// statuses is bundled, and its API type (server/client/app-router.ts).

export type { AppRouter, MutationPath } from "./app-router";
export { FinetuningApiError, isFinetuningApiError, type FinetuningApiErrorCode } from "./errors";
export { IDEMPOTENT_MUTATIONS, isIdempotent, type RetryOptions } from "./retry";

export type FinetuningApiInputs = inferRouterInputs<AppRouter>;
export type FinetuningApiOutputs = inferRouterOutputs<AppRouter>;
export type FinetuningJob = FinetuningApiOutputs["finetuning"]["get"];

export type FinetuningClientOptions = {
  /** The control room's origin, e.g. "https://control-room.internal". */
  url: string;
  /** An API key (`Authorization: Bearer`); its role decides what the client may do. */
  apiKey: string;
  /** Extra headers on every request (tracing, …). */
  headers?: Record<string, string>;
  /** A fetch of your own (proxies, …); the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** Gives up on one HTTP request after this long (a TIMEOUT error); no limit by default. Not applied to onChange. */
  timeoutMs?: number;
  /** Retries queries and idempotent mutations (IDEMPOTENT_MUTATIONS) that failed without effect; off by default. */
  retry?: RetryOptions | boolean;
};

/** Per-call options: `api.finetuning.create.mutate(input, { context: { idempotencyKey } })`. */
export type FinetuningCallContext = {
  /** Sent as the Idempotency-Key header; such a call travels alone, never in a batch. */
  idempotencyKey?: string;
};

/** The fetch under the HTTP links: the optional timeout, and a status kept when the body is not the API's JSON. */
function apiFetch(fetchImpl: typeof globalThis.fetch, timeoutMs: number | undefined): typeof globalThis.fetch {
  return async (input, init) => {
    const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
    const signal = timeout && init?.signal ? AbortSignal.any([init.signal, timeout]) : (timeout ?? init?.signal);
    const response = await fetchImpl(input, { ...init, signal });
    if (response.status >= 400 && !response.headers.get("content-type")?.includes("json")) {
      await response.body?.cancel();
      throw new NonApiResponseError(response.status);
    }
    return response;
  };
}

function idempotencyKeyOf(context: Record<string, unknown>): string | undefined {
  return typeof context.idempotencyKey === "string" ? context.idempotencyKey : undefined;
}

export function createFinetuningClient(options: FinetuningClientOptions): TRPCClient<AppRouter> {
  const url = `${options.url.replace(/\/+$/, "")}/api/trpc`;
  const authorization = `Bearer ${options.apiKey}`;
  const headers = { ...options.headers, authorization };
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const fetch = apiFetch(baseFetch, options.timeoutMs);
  const retry = options.retry === true ? {} : options.retry || undefined;

  return createTRPCClient<AppRouter>({
    links: [
      finetuningApiErrorLink(),
      ...(retry ? [idempotentRetryLink(retry)] : []),
      splitLink({
        condition: (op) => op.type === "subscription",
        // Node has no EventSource of its own, and the browser's cannot send a
        // bearer key: the `eventsource` package can, through its fetch.
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => baseFetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        }),
        false: splitLink({
          condition: (op) => idempotencyKeyOf(op.context) !== undefined,
          true: httpLink({
            url,
            fetch,
            headers: ({ op }) => ({ ...headers, "idempotency-key": idempotencyKeyOf(op.context) }),
          }),
          // Several calls made together travel in one request; long batches split.
          false: httpBatchLink({ url, fetch, headers, maxURLLength: 2_000, maxItems: 10 }),
        }),
      }),
    ],
  });
}

export type FinetuningClient = ReturnType<typeof createFinetuningClient>;
