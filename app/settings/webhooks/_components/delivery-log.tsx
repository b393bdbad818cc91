"use client";

import { RefreshCw } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/app/_components/button";
import { DateTime } from "@/app/_components/date-time";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { WebhookDelivery } from "@/server/webhooks/schema";

const STATE_CLASSES: Record<WebhookDelivery["state"], string> = {
  delivered: "bg-emerald-50 text-emerald-700",
  pending: "bg-amber-50 text-amber-700",
  failed: "bg-red-50 text-red-700",
};

/** The newest deliveries of one endpoint, with Replay on each. */
export function DeliveryLog({ endpointId }: { endpointId: string }) {
  const utils = trpc.useUtils();
  const log = trpc.webhooks.deliveries.useQuery({ endpoint_id: endpointId, limit: 50 }, { refetchInterval: 5_000 });
  const replay = trpc.webhooks.replay.useMutation({
    onSuccess: async () => {
      toast.success("Queued to be sent again");
      await utils.webhooks.deliveries.invalidate({ endpoint_id: endpointId });
    },
    onError: (e) => toast.error(e.message),
  });
  if (log.error) return <ErrorCallout title="Could not load the deliveries">{log.error.message}</ErrorCallout>;
  const items = log.data?.items ?? [];

  return (
    <div className="mt-4">
      <div className="mb-2 flex items-center justify-between">
        <h3 className="text-sm font-medium text-slate-800">Deliveries</h3>
        <Button size="sm" variant="ghost" onClick={() => void log.refetch()} aria-label="Refresh deliveries">
          <RefreshCw aria-hidden className="size-3.5" />
        </Button>
      </div>
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{log.isLoading ? "Loading…" : "Nothing sent yet."}</p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200">
          <table className="w-full text-left text-xs" aria-label="Deliveries">
            <thead className="border-b border-slate-200 bg-slate-50 font-medium text-slate-500 uppercase">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Event
                </th>
                <th scope="col" className="px-3 py-2">
                  State
                </th>
                <th scope="col" className="px-3 py-2">
                  HTTP
                </th>
                <th scope="col" className="px-3 py-2">
                  Latency
                </th>
                <th scope="col" className="px-3 py-2">
                  Attempts
                </th>
                <th scope="col" className="px-3 py-2">
                  Last attempt
                </th>
                <th scope="col" className="px-3 py-2">
                  Response
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((d) => (
                <tr key={d.id}>
                  <td className="px-3 py-2">
                    <code className="font-mono">{d.event_type}</code>
                    <div className="font-mono text-[10px] text-slate-400">{d.id}</div>
                  </td>
                  <td className="px-3 py-2">
                    <span className={`rounded-full px-2 py-0.5 font-medium ${STATE_CLASSES[d.state]}`}>{d.state}</span>
                  </td>
                  <td className="px-3 py-2 text-slate-600">{d.last_status ?? "—"}</td>
                  <td className="px-3 py-2 text-slate-600">{d.last_latency_ms === null ? "—" : `${d.last_latency_ms} ms`}</td>
                  <td className="px-3 py-2 text-slate-600">{d.attempts}</td>
                  <td className="px-3 py-2 text-slate-600">{d.last_attempt_at ? <DateTime iso={d.last_attempt_at} seconds /> : "—"}</td>
                  <td className="max-w-64 truncate px-3 py-2 font-mono text-slate-500" title={d.last_error ?? d.response_excerpt ?? ""}>
                    {d.last_error ?? d.response_excerpt ?? ""}
                  </td>
                  <td className="px-3 py-2 text-right">
                    <Button
                      size="sm"
                      onClick={() => replay.mutate({ delivery_id: d.id })}
                      disabled={replay.isPending}
                      aria-label={`Replay ${d.event_type} ${d.id}`}
                    >
                      Replay
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
