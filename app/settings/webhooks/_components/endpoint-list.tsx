"use client";

import { EmptyState } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { WebhookEndpoint } from "@/server/webhooks/schema";
import { EndpointCard } from "./endpoint-card";

export function EndpointList({ initialEndpoints }: { initialEndpoints: WebhookEndpoint[] }) {
  // Refreshed now and then, so an endpoint disabled by the worker shows its flag.
  const endpoints = trpc.webhooks.list.useQuery({}, { initialData: initialEndpoints, refetchInterval: 10_000 }).data;
  if (endpoints.length === 0) {
    return (
      <EmptyState title="No webhook endpoints yet">
        Add one to be told when jobs are created, change status, are cancelled, succeed or fail.
      </EmptyState>
    );
  }
  return (
    <ul className="space-y-4" aria-label="Webhook endpoints">
      {endpoints.map((endpoint) => (
        <li key={endpoint.id}>
          <EndpointCard endpoint={endpoint} />
        </li>
      ))}
    </ul>
  );
}
