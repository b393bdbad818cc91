import type { Metadata } from "next";
import { serverApi } from "@/app/_trpc/server";
import { requireAdmin } from "@/server/auth/session";
import { CreateEndpointDialog } from "./_components/create-endpoint-dialog";
import { EndpointList } from "./_components/endpoint-list";

export const metadata: Metadata = { title: "Webhooks · Settings · Fine-tuning control room" };

export default async function WebhooksPage() {
  await requireAdmin("/settings/webhooks");
  const endpoints = await (await serverApi()).webhooks.list({});
  return (
    <section aria-labelledby="webhooks-heading">
      <div className="mb-4 flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="webhooks-heading" className="text-base font-semibold text-slate-900">
            Webhooks
          </h2>
          <p className="mt-1 text-sm text-slate-500">
            Notifications of job changes: signed JSON (Standard Webhooks) carrying the whole job, or Slack messages for guardrail trips,
            failures and cancels. Failed deliveries are retried for a day; an endpoint failing that long is disabled.
          </p>
        </div>
        <CreateEndpointDialog />
      </div>
      <EndpointList initialEndpoints={endpoints} />
    </section>
  );
}
