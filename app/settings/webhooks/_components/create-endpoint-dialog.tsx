"use client";

import { Webhook } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { DialogActions, DialogContent, DialogDone, DialogRoot, NewThingTrigger } from "@/app/_components/dialog";
import { Field, fieldAria, inputClasses } from "@/app/_components/form-field";
import { SecretShownOnce } from "@/app/_components/secret-shown-once";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import { SLACK_EVENT_TYPES, WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookFormat } from "@/server/webhooks/schema";
import { EventTypeCheckboxes } from "./event-type-checkboxes";
import { FormatChoice } from "./format-choice";

/** "Add endpoint": URL, format, events, enabled; a signed endpoint's secret is shown here once. */
export function CreateEndpointDialog() {
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [format, setFormat] = useState<WebhookFormat>("standard");
  const [types, setTypes] = useState<WebhookEventType[]>([...WEBHOOK_EVENT_TYPES]);
  const offered = format === "slack" ? SLACK_EVENT_TYPES : WEBHOOK_EVENT_TYPES;
  const chooseFormat = (next: WebhookFormat) => {
    setFormat(next);
    setTypes([...(next === "slack" ? SLACK_EVENT_TYPES : WEBHOOK_EVENT_TYPES)]);
  };
  const [enabled, setEnabled] = useState(true);
  const ids = { url: useId(), description: useId(), enabled: useId() };
  const utils = trpc.useUtils();
  const create = trpc.webhooks.create.useMutation({ onSuccess: () => utils.webhooks.list.invalidate() });
  const field = create.error?.data?.field ?? null;
  const slackAdded = create.data?.endpoint.format === "slack";

  const reset = (next: boolean) => {
    setOpen(next);
    if (!next) {
      setUrl("");
      setDescription("");
      chooseFormat("standard");
      create.reset();
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ url: url.trim(), format, description: description.trim() || null, event_types: types, enabled });
  };

  return (
    <DialogRoot open={open} onOpenChange={reset}>
      <NewThingTrigger icon={Webhook}>Add endpoint</NewThingTrigger>
      <DialogContent
        title={create.data ? (slackAdded ? "Slack endpoint added" : "Endpoint added: its signing secret") : "Add a webhook endpoint"}
        description={
          create.data
            ? slackAdded
              ? "Its messages go to the Slack channel of the URL; Slack checks no signature, so there is no secret to copy."
              : "Copy it into the receiver now: it will not be shown again (rotate it to get a new one)."
            : "Deliveries are POSTed as JSON: signed per Standard Webhooks, or as Slack messages."
        }
      >
        {create.data ? (
          slackAdded ? (
            <DialogDone />
          ) : (
            <SecretShownOnce value={create.data.secret} label="The signing secret" what="signing secret" tone="amber" />
          )
        ) : (
          <form onSubmit={submit} className="space-y-4">
            <Field
              id={ids.url}
              label="URL"
              hint="http or https; private and loopback addresses only with WEBHOOK_ALLOW_PRIVATE=1."
              error={field === "url" ? create.error?.message : undefined}
            >
              <input
                id={ids.url}
                type="url"
                required
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://example.com/hooks/finetuning"
                autoComplete="off"
                className={`${inputClasses} h-9`}
                {...fieldAria(ids.url, { hint: true })}
              />
            </Field>
            <Field id={ids.description} label="Description" optional>
              <input
                id={ids.description}
                maxLength={500}
                value={description}
                onChange={(e) => setDescription(e.target.value)}
                className={`${inputClasses} h-9`}
              />
            </Field>
            <FormatChoice value={format} onChange={chooseFormat} />
            <EventTypeCheckboxes value={types} onChange={setTypes} offered={offered} />
            <label htmlFor={ids.enabled} className="flex items-center gap-2 text-sm text-slate-700">
              <input
                id={ids.enabled}
                type="checkbox"
                checked={enabled}
                onChange={(e) => setEnabled(e.target.checked)}
                className="size-4 rounded border-slate-300"
              />
              Enabled
            </label>
            {create.error && field !== "url" ? (
              <ErrorCallout title="Could not add the endpoint">{create.error.message}</ErrorCallout>
            ) : null}
            <DialogActions pending={create.isPending}>Add endpoint</DialogActions>
          </form>
        )}
      </DialogContent>
    </DialogRoot>
  );
}
