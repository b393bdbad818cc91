import Link from "next/link";
import { memo } from "react";
import { DateTime } from "@/app/_components/date-time";
import { JobStatusBadge } from "@/app/_components/job-status-badge";
import { isActive, type FinetuningJob } from "@/server/finetuning/schema";
import { CancelJobButton } from "./cancel-job-button";
import { GuardrailFlag } from "./guardrail-flag";
import { JobProgressCell } from "./job-progress";
import { PauseResumeButton } from "./pause-resume-button";

// Narrow windows hide Database, Model and Created columns; their values then
// sit under the name instead, so nothing is lost.
// Memoised: the list cache keeps every unchanged job's object, so a cancel (or
// a live update) re-renders only its own row, not the whole table — the click
// → badge path is the changed row's render (docs/BENCHMARKS.md).
type RowProps = {
  job: FinetuningJob;
  connectionAlias: string | undefined;
  canCancel: boolean;
  /** Bulk selection: present when the operator can cancel. */
  selected?: boolean;
  onSelect?: (id: string, selected: boolean) => void;
};

export const JobRow = memo(function JobRow({ job, connectionAlias, canCancel, selected, onSelect }: RowProps) {
  const database = connectionAlias ?? <span className="font-mono text-xs text-slate-500">{job.db_connection_id.slice(-12)}</span>;
  return (
    <tr className={selected ? "bg-blue-50/60" : "hover:bg-slate-50/70"}>
      <td className="w-full max-w-0 px-4 py-3 lg:w-auto lg:max-w-80">
        <span className="flex items-center gap-3">
          {onSelect ? (
            <input
              type="checkbox"
              className="size-4 shrink-0 rounded border-slate-300"
              aria-label={`Select ${job.alias ?? job.id}`}
              checked={selected ?? false}
              onChange={(e) => onSelect(job.id, e.target.checked)}
            />
          ) : null}
          <Link
            href={`/jobs/${job.id}`}
            title={job.alias ?? job.id}
            className={`block truncate rounded-sm font-medium text-slate-900 hover:text-blue-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 ${job.alias ? "" : "font-mono text-xs"}`}
          >
            {job.alias ?? job.id}
          </Link>
        </span>
        <span className="mt-0.5 block truncate text-xs text-slate-500 lg:hidden">
          <span className="md:hidden">{database} · </span>
          <span className="font-mono">{job.base_llm.model_name}</span>
          <span className="sm:hidden">
            {" · "}
            <DateTime iso={job.created_at} />
          </span>
        </span>
      </td>
      <td className="hidden px-4 py-3 whitespace-nowrap text-slate-700 md:table-cell">{database}</td>
      <td className="hidden px-4 py-3 font-mono text-xs whitespace-nowrap text-slate-600 lg:table-cell">{job.base_llm.model_name}</td>
      <td className="px-4 py-3" title={job.error ?? undefined}>
        <span className="inline-flex items-center gap-1.5">
          <JobStatusBadge status={job.status} />
          <GuardrailFlag job={job} />
        </span>
      </td>
      <td className="hidden px-4 py-3 md:table-cell">
        <JobProgressCell job={job} />
      </td>
      <td className="hidden px-4 py-3 whitespace-nowrap text-slate-600 sm:table-cell">
        <DateTime iso={job.created_at} />
      </td>
      <td className="w-px px-4 py-3 text-right whitespace-nowrap">
        {canCancel && isActive(job.status) ? (
          <span className="inline-flex items-center gap-2">
            <PauseResumeButton job={job} />
            <CancelJobButton job={job} />
          </span>
        ) : null}
      </td>
    </tr>
  );
});
