import { AlertTriangle, Inbox } from "lucide-react";
import type { ReactNode } from "react";

/** Nothing to show, said plainly, with what to do next. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 px-6 py-14 text-center">
      <Inbox aria-hidden className="size-8 text-slate-300" />
      <p className="text-sm font-medium text-slate-900">{title}</p>
      {children ? <div className="max-w-sm text-sm text-slate-500">{children}</div> : null}
      {action ? <div className="mt-2">{action}</div> : null}
    </div>
  );
}

/** Something failed; `role="alert"` so it is announced. */
export function ErrorCallout({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div role="alert" className="flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <AlertTriangle aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 flex-1">
        <p className="font-medium">{title}</p>
        {children ? <div className="mt-0.5 text-red-700">{children}</div> : null}
      </div>
      {action}
    </div>
  );
}

/** A grey placeholder bar for loading screens. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={`animate-pulse rounded bg-slate-200/70 ${className ?? ""}`} />;
}
