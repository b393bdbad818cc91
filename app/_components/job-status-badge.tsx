import { clsx } from "clsx";
import type { JobStatus } from "@/server/finetuning/schema";

export const STATUS_LABELS: Record<JobStatus, string> = {
  queued: "Queued",
  validating_files: "Validating files",
  running: "Running",
  pausing: "Pausing",
  paused: "Paused",
  // The provider has accepted the cancel but not confirmed it: the job may still train and bill.
  cancelling: "Cancelling…",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

const STYLES: Record<JobStatus, { badge: string; dot: string }> = {
  queued: { badge: "bg-slate-100 text-slate-700 ring-slate-300", dot: "bg-slate-400" },
  validating_files: { badge: "bg-violet-50 text-violet-700 ring-violet-200", dot: "bg-violet-500 animate-pulse" },
  running: { badge: "bg-blue-50 text-blue-700 ring-blue-200", dot: "bg-blue-500 animate-pulse" },
  pausing: { badge: "bg-orange-50 text-orange-700 ring-orange-200", dot: "bg-orange-400 animate-pulse" },
  paused: { badge: "bg-orange-50 text-orange-800 ring-orange-300", dot: "bg-orange-500" },
  cancelling: { badge: "bg-amber-50 text-amber-700 ring-amber-200", dot: "bg-amber-400 animate-pulse" },
  succeeded: { badge: "bg-emerald-50 text-emerald-700 ring-emerald-200", dot: "bg-emerald-500" },
  failed: { badge: "bg-red-50 text-red-700 ring-red-200", dot: "bg-red-500" },
  cancelled: { badge: "bg-amber-50 text-amber-800 ring-amber-200", dot: "bg-amber-500" },
};

/** A job's status, coloured; `role="status"` so tests and assistive tech find it. */
export function JobStatusBadge({ status, className }: { status: JobStatus; className?: string }) {
  const style = STYLES[status];
  return (
    <span
      role="status"
      aria-label={STATUS_LABELS[status]}
      className={clsx(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        style.badge,
        className,
      )}
    >
      <span aria-hidden className={clsx("size-1.5 rounded-full", style.dot)} />
      {STATUS_LABELS[status]}
    </span>
  );
}
