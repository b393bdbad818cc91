import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "@/server/webhooks/schema";

/** One checkbox per event type offered (every type unless told), in a fieldset named by its legend. */
export function EventTypeCheckboxes({
  value,
  onChange,
  offered = WEBHOOK_EVENT_TYPES,
}: {
  value: WebhookEventType[];
  onChange: (next: WebhookEventType[]) => void;
  offered?: readonly WebhookEventType[];
}) {
  const toggle = (type: WebhookEventType, on: boolean) => onChange(on ? [...value, type] : value.filter((t) => t !== type));
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-800">Events</legend>
      <div className="mt-2 grid grid-cols-1 gap-x-4 gap-y-3 sm:grid-cols-2">
        {offered.map((type) => (
          <label key={type} className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              checked={value.includes(type)}
              onChange={(e) => toggle(type, e.target.checked)}
              className="size-4 rounded border-slate-300"
            />
            <code className="font-mono text-xs">{type}</code>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
