import { CopyButton } from "@/app/_components/copy-button";

/** A signing secret, shown the one time the server hands it out. */
export function SecretReveal({ secret }: { secret: string }) {
  return (
    <div className="flex items-center gap-2 rounded-md border border-amber-200 bg-amber-50 p-3">
      <code className="min-w-0 flex-1 font-mono text-xs break-all text-slate-900" aria-label="The signing secret">{secret}</code>
      <CopyButton value={secret} what="signing secret" />
    </div>
  );
}
