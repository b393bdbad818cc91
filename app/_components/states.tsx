import { AlertTriangle, Inbox, RotateCw } from "lucide-react";
import type { ReactNode } from "react";
import { Button } from "./button";

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

/** A list that could not be refreshed: says why, keeps what was shown, offers a retry. */
export function RefreshFailed({ what, message, onRetry }: { what: string; message: string | undefined; onRetry: () => void }) {
  return (
    <ErrorCallout
      title={`Could not refresh the ${what}`}
      action={
        <Button size="sm" onClick={onRetry}>
          <RotateCw aria-hidden className="size-3.5" />
          Retry
        </Button>
      }
    >
      {message} Showing what was loaded before.
    </ErrorCallout>
  );
}

/** A grey placeholder bar for loading screens. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={`animate-pulse rounded bg-slate-200/70 ${className ?? ""}`} />;
}

/** A page still loading: the page's frame, busy, announced to screen readers as "Loading {what}…". */
export function LoadingPage({ what, children }: { what: string; children: ReactNode }) {
  return (
    <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6" aria-busy="true">
      <p className="sr-only" role="status">
        Loading {what}…
      </p>
      {children}
    </main>
  );
}

/** A page's title and subtitle, still loading. */
export function SkeletonHeading({ titleWidth }: { titleWidth: string }) {
  return (
    <div className="mb-6 space-y-2">
      <Skeleton className={`h-6 ${titleWidth}`} />
      <Skeleton className="h-4 w-96 max-w-full" />
    </div>
  );
}

/** A table still loading: `rows` rows of bars, one per entry of `cells` (its classes). */
export function SkeletonTable({ rows, cells, header = false }: { rows: number; cells: string[]; header?: boolean }) {
  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
      {header ? (
        <div className="border-b border-slate-200 bg-slate-50/80 px-4 py-3">
          <Skeleton className="h-3 w-2/3" />
        </div>
      ) : null}
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-6 border-b border-slate-100 px-4 py-4 last:border-0">
          {cells.map((cell, j) => (
            <Skeleton key={j} className={cell} />
          ))}
        </div>
      ))}
    </div>
  );
}
