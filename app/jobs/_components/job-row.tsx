import Link from "next/link";
import { memo } from "react";
import { DateTime } from "@/app/_components/date-time";
import { JobStatusBadge } from "@/app/_components/job-status-badge";
import { isActive, type FinetuningJob } from "@/server/finetuning/schema";
import { CancelJobButton } from "./cancel-job-button";
import { GuardrailFlag } from "./guardrail-flag";
import { JobProgressCell } from "./job-progress";
import { PauseResumeButton } from "./pause-resume-button";
import { CancelStuckFlag, ProviderTag } from "./provider-marks";

// One row of the jobs table. Columns give way as the window narrows (Model,
// then Database and Created hide, their values moving under the name), the
// actions column sticks to the right edge, and below md the row is a card:
// name and status, then progress and cost, then the actions.
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

/** The card's grid on phones; md and up it is a table row again. */
const CARD = "max-md:grid max-md:grid-cols-[minmax(0,1fr)_auto] max-md:items-center max-md:gap-x-3 max-md:gap-y-2 max-md:px-4 max-md:py-3";
const CELL = "px-4 py-3 max-md:p-0";
/** A cell the card shows (a hidden cell must not also say max-md:block: the later rule would win). */
const CARD_CELL = `${CELL} max-md:block`;

export const JobRow = memo(function JobRow({ job, connectionAlias, canCancel, selected, onSelect }: RowProps) {
  const database = connectionAlias ?? <span className="font-mono text-xs">{job.db_connection_id.slice(-12)}</span>;
  const actions = canCancel && isActive(job.status);
  return (
    // Opaque backgrounds: the sticky actions cell inherits the row's, and rows scroll under it.
    <tr className={`${CARD} ${selected ? "bg-blue-50" : "bg-white hover:bg-slate-50"}`}>
      <td className={`${CARD_CELL} w-full max-w-0 min-w-44 max-md:max-w-none max-md:min-w-0`}>
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
        <span className="mt-0.5 block truncate text-xs text-slate-600 2xl:hidden">
          <span className="lg:hidden">{database} · </span>
          <ProviderTag job={job} /> <span className="font-mono">{job.base_llm.model_name}</span>
          <span className="lg:hidden">
            {" · "}
            <DateTime iso={job.created_at} />
          </span>
        </span>
      </td>
      <td className={`${CELL} hidden whitespace-nowrap text-slate-700 lg:table-cell`}>{database}</td>
      <td className={`${CELL} hidden font-mono text-xs whitespace-nowrap text-slate-600 2xl:table-cell`}>
        <ProviderTag job={job} /> {job.base_llm.model_name}
      </td>
      <td className={`${CARD_CELL} max-md:justify-self-end`} title={job.error ?? undefined}>
        <span className="inline-flex items-center gap-1.5">
          <JobStatusBadge status={job.status} />
          <GuardrailFlag job={job} />
          <CancelStuckFlag job={job} />
        </span>
      </td>
      <td className={`${CARD_CELL} max-md:col-span-2`}>
        <JobProgressCell job={job} />
      </td>
      <td className={`${CELL} hidden whitespace-nowrap text-slate-600 lg:table-cell`}>
        <DateTime iso={job.created_at} />
      </td>
      <td
        className={`${CELL} sticky right-0 w-px bg-inherit text-right whitespace-nowrap shadow-[inset_1px_0_0_var(--color-slate-100)] max-md:static max-md:col-span-2 max-md:text-left max-md:shadow-none ${actions ? "max-md:block" : "max-md:hidden"}`}
      >
        {actions ? (
          <span className="inline-flex items-center gap-2">
            <PauseResumeButton job={job} />
            <CancelJobButton job={job} />
          </span>
        ) : null}
      </td>
    </tr>
  );
});
