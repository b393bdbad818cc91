"use client";

import { notifyManager, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { useState, type ReactNode } from "react";
import { trpc } from "./client";

// Cache changes reach components in a microtask instead of the default
// setTimeout(0): an optimistic change made in a click (Cancel job) then renders
// in the click's own task, before the browser paints the dialog closing,
// rather than a frame later (docs/BENCHMARKS.md). It was Query v5.0–5.4.x's own default.
if (typeof window !== "undefined") notifyManager.setScheduler((callback) => queueMicrotask(callback));

export function TrpcProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true, retry: 1 } } }),
  );
  const [trpcClient] = useState(() =>
    trpc.createClient({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          true: httpSubscriptionLink({ url: "/api/trpc" }),
          // The server refuses batches of more than 10 calls (server/http/trpc.ts).
          false: httpBatchLink({ url: "/api/trpc", maxItems: 10 }),
        }),
      ],
    }),
  );
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}
