import { WEBHOOK_FORMATS, type WebhookFormat } from "@/server/webhooks/schema";

export const FORMAT_LABELS: Record<WebhookFormat, { name: string; hint: string }> = {
  standard: { name: "Signed JSON", hint: "Every event type, with the whole job, signed per Standard Webhooks: for your own receiver." },
  slack: {
    name: "Slack message",
    hint: "A message for people on call (the job, what happened, why, the cost, a link), to the address of a Slack incoming webhook.",
  },
};

/** The delivery format, as radio buttons in a fieldset named by its legend. */
export function FormatChoice({ value, onChange }: { value: WebhookFormat; onChange: (next: WebhookFormat) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-800">Format</legend>
      <div className="mt-2 space-y-1.5">
        {WEBHOOK_FORMATS.map((format) => (
          <label key={format} className="flex items-start gap-2 text-sm text-slate-700">
            <input
              type="radio"
              name="webhook-format"
              value={format}
              checked={value === format}
              onChange={() => onChange(format)}
              className="mt-0.5 size-4 border-slate-300"
            />
            <span>
              <span className="font-medium text-slate-800">{FORMAT_LABELS[format].name}</span>
              <span className="block text-xs text-slate-500">{FORMAT_LABELS[format].hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
