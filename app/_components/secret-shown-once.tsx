import { CopyButton } from "./copy-button";
import { DialogDone } from "./dialog";

/**
 * A secret the server hands out once (an API key, a signing secret): the value
 * to copy, then Done to close the dialog. It is never shown again.
 */
export function SecretShownOnce({
  value,
  label,
  what,
  tone = "slate",
}: {
  value: string;
  label: string;
  what: string;
  tone?: "slate" | "amber";
}) {
  return (
    <div className="space-y-4">
      <div
        className={`flex items-center gap-2 rounded-md border p-3 ${tone === "amber" ? "border-amber-200 bg-amber-50" : "border-slate-200 bg-slate-50"}`}
      >
        <code className="min-w-0 flex-1 font-mono text-xs break-all text-slate-900" aria-label={label}>
          {value}
        </code>
        <CopyButton value={value} what={what} />
      </div>
      <DialogDone />
    </div>
  );
}
