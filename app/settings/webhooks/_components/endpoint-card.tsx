"use client";

import { useState } from "react";
import { toast } from "sonner";
import {
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogRoot,
  AlertDialogTrigger,
} from "@/app/_components/alert-dialog";
import { Button, buttonClasses } from "@/app/_components/button";
import { DateTime } from "@/app/_components/date-time";
import { DialogContent, DialogRoot } from "@/app/_components/dialog";
import { SecretShownOnce } from "@/app/_components/secret-shown-once";
import { trpc } from "@/app/_trpc/client";
import type { WebhookEndpoint } from "@/server/webhooks/schema";
import { DeliveryLog } from "./delivery-log";
import { FORMAT_LABELS } from "./format-choice";

/** One endpoint: what it receives, its state (flagged when the worker disabled it), its actions and its delivery log. */
export function EndpointCard({ endpoint }: { endpoint: WebhookEndpoint }) {
  const utils = trpc.useUtils();
  const [showLog, setShowLog] = useState(false);
  const invalidate = () => utils.webhooks.list.invalidate();
  const update = trpc.webhooks.update.useMutation({ onSuccess: invalidate, onError: (e) => toast.error(e.message) });
  const remove = trpc.webhooks.delete.useMutation({ onSuccess: invalidate, onError: (e) => toast.error(e.message) });
  const rotate = trpc.webhooks.rotateSecret.useMutation({ onSuccess: invalidate, onError: (e) => toast.error(e.message) });

  return (
    <article aria-label={`Endpoint ${endpoint.url}`} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="font-mono text-sm break-all text-slate-900">{endpoint.url}</div>
          <div className="mt-0.5 text-xs text-slate-500">{FORMAT_LABELS[endpoint.format].name}</div>
          {endpoint.description ? <div className="mt-0.5 text-sm text-slate-500">{endpoint.description}</div> : null}
          <div className="mt-2 flex flex-wrap gap-1">
            {endpoint.event_types.map((t) => (
              <code key={t} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600">
                {t}
              </code>
            ))}
          </div>
        </div>
        <EndpointState endpoint={endpoint} />
      </div>
      {endpoint.disabled_at ? (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-800">
          Disabled <DateTime iso={endpoint.disabled_at} />: {endpoint.disabled_reason ?? "every delivery failed for a day"}. Its undelivered
          messages are kept; enable it to send them.
        </p>
      ) : endpoint.failing_since ? (
        <p className="mt-3 text-sm text-amber-700">
          Failing since <DateTime iso={endpoint.failing_since} />; retried with backoff.
        </p>
      ) : null}
      {endpoint.previous_secret_expires_at ? (
        <p className="mt-2 text-xs text-slate-500">
          The previous secret also signs until <DateTime iso={endpoint.previous_secret_expires_at} />.
        </p>
      ) : null}
      <div className="mt-4 flex flex-wrap gap-2">
        <Button
          size="sm"
          onClick={() => update.mutate({ endpoint_id: endpoint.id, enabled: !endpoint.enabled })}
          disabled={update.isPending}
        >
          {endpoint.enabled ? "Disable" : "Enable"}
        </Button>
        {endpoint.format === "standard" ? (
          <Button size="sm" onClick={() => rotate.mutate({ endpoint_id: endpoint.id })} disabled={rotate.isPending}>
            Rotate secret
          </Button>
        ) : null}
        <Button size="sm" variant="ghost" aria-expanded={showLog} onClick={() => setShowLog(!showLog)}>
          {showLog ? "Hide deliveries" : "Deliveries"}
        </Button>
        <AlertDialogRoot>
          <AlertDialogTrigger asChild>
            <Button size="sm" variant="danger-outline">
              Delete
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent title="Delete this endpoint?" description="Its delivery log and any undelivered messages go with it.">
            <div className="mt-6 flex justify-end gap-2">
              <AlertDialogCancel className={buttonClasses({})}>Keep</AlertDialogCancel>
              <AlertDialogAction
                className={buttonClasses({ variant: "danger" })}
                onClick={() => remove.mutate({ endpoint_id: endpoint.id })}
              >
                Delete endpoint
              </AlertDialogAction>
            </div>
          </AlertDialogContent>
        </AlertDialogRoot>
      </div>
      {showLog ? <DeliveryLog endpointId={endpoint.id} /> : null}
      <DialogRoot open={rotate.data !== undefined} onOpenChange={(open) => (open ? undefined : rotate.reset())}>
        {rotate.data ? (
          <DialogContent
            title="The new signing secret"
            description="Copy it into the receiver now: it will not be shown again. The old secret also signs for a day."
          >
            <SecretShownOnce value={rotate.data.secret} label="The signing secret" what="signing secret" tone="amber" />
          </DialogContent>
        ) : null}
      </DialogRoot>
    </article>
  );
}

function EndpointState({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (endpoint.disabled_at)
    return (
      <span role="status" className="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">
        disabled: failing
      </span>
    );
  if (!endpoint.enabled)
    return (
      <span role="status" className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">
        disabled
      </span>
    );
  return (
    <span role="status" className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700">
      enabled
    </span>
  );
}
