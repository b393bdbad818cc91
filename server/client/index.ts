import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../trpc/root";

// The typed client for other TypeScript services: every procedure of the API
// (finetuning.cancel, finetuning.list, …) with its input and output types,
// over tRPC's HTTP protocol at `${url}/api/trpc`. Type-only imports from the
// server, so a service bundles nothing of it.

export type { AppRouter };
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
  /** A fetch of your own (proxies, timeouts); the global one by default. */
  fetch?: typeof globalThis.fetch;
};

export function createFinetuningClient(options: FinetuningClientOptions) {
  const base = options.url.replace(/\/+$/, "");
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/api/trpc`,
        headers: () => ({ ...options.headers, authorization: `Bearer ${options.apiKey}` }),
        fetch: options.fetch,
        // Several calls made together travel in one request; long batches split.
        maxURLLength: 2_000,
      }),
    ],
  });
}

export type FinetuningClient = ReturnType<typeof createFinetuningClient>;

/** The error a call rejects with; `error.data.code` is the contract's code (NOT_FOUND, CONFLICT, …). */
export function isFinetuningApiError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}
