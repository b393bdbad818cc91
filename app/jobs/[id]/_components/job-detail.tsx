"use client";

import { AlertTriangle, ChevronRight, Info } from "lucide-react";
import Link from "next/link";
import { JobStatusBadge } from "@/app/_components/job-status-badge";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import { isActive, type FinetuningJob, type JobEvent } from "@/server/finetuning/schema";
import { CancelJobButton } from "../../_components/cancel-job-button";
import { isTraining, TRAINING_POLL_MS } from "../../_components/job-progress";
import { PauseResumeButton } from "../../_components/pause-resume-button";
import { CancelStuckFlag } from "../../_components/provider-marks";
import { LiveIndicator } from "../../_components/live-indicator";
import { jobName } from "../../_hooks/job-cache";
import { useJobChanges } from "../../_hooks/use-job-changes";
import { EventTimeline } from "./event-timeline";
import { GuardrailsPanel } from "./guardrails-panel";
import { GuardrailFlag } from "../../_components/guardrail-flag";
import { JobFields, MetadataTable, Panel } from "./job-fields";
import { Lineage } from "./lineage";
import { TrainingPanel, type InitialTraining } from "./training-panel";

// Provider events (training progress) are not announced as job changes, so an active job's timeline also polls gently.
const ACTIVE_EVENTS_POLL_MS = 10_000;

// since: the live feed position read before initialJob (so no change after it is missed).
type Props = {
  initialJob: FinetuningJob;
  initialEvents: JobEvent[];
  initialTraining?: InitialTraining;
  connectionAlias: string | null;
  canCancel: boolean;
  since?: string;
};

export function JobDetail({ initialJob, initialEvents, initialTraining, connectionAlias, canCancel, since }: Props) {
  const input = { finetuning_id: initialJob.id };
  const { feed, refetchInterval } = useJobChanges(since);
  const jobQuery = trpc.finetuning.get.useQuery(input, {
    initialData: initialJob,
    // Progress is not announced as a job change: while the job trains it is read again every few seconds.
    refetchInterval: (query) => refetchInterval || (query.state.data && isTraining(query.state.data) ? TRAINING_POLL_MS : false),
    retry: (count, error) => error.data?.code !== "NOT_FOUND" && count < 1,
  });
  const job = jobQuery.data;
  const eventsQuery = trpc.finetuning.events.useQuery(input, {
    initialData: initialEvents,
    refetchInterval: refetchInterval || (isActive(job.status) ? ACTIVE_EVENTS_POLL_MS : false),
  });
  const name = jobName(job);
  const gone = jobQuery.error?.data?.code === "NOT_FOUND";

  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="flex items-center gap-1 text-sm text-slate-500">
        <Link
          href="/jobs"
          className="rounded-sm hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600"
        >
          Jobs
        </Link>
        <ChevronRight aria-hidden className="size-4 text-slate-400" />
        <span aria-current="page" className="truncate text-slate-700">
          {name}
        </span>
      </nav>

      <section aria-labelledby="job-title" className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 space-y-1.5">
          <div className="flex flex-wrap items-center gap-3">
            <h1
              id="job-title"
              className={`truncate text-xl font-semibold tracking-tight text-slate-900 ${job.alias ? "" : "font-mono text-lg"}`}
            >
              {name}
            </h1>
            <JobStatusBadge status={job.status} />
            <GuardrailFlag job={job} />
            <CancelStuckFlag job={job} />
          </div>
          <p className="font-mono text-xs text-slate-500">{job.id}</p>
          <Lineage job={job} />
        </div>
        <div className="flex items-center gap-4">
          <LiveIndicator feed={feed} />
          {canCancel && isActive(job.status) && !gone ? (
            <>
              <PauseResumeButton job={job} size="md" />
              <CancelJobButton job={job} size="md" />
            </>
          ) : null}
        </div>
      </section>

      {gone ? <ErrorCallout title="This job was deleted">What you see is how it was when it was last loaded.</ErrorCallout> : null}
      {jobQuery.isRefetchError && !gone ? <ErrorCallout title="Could not refresh this job">{jobQuery.error.message}</ErrorCallout> : null}
      {job.error ? (
        <div
          className={`flex items-start gap-3 rounded-lg border px-4 py-3 text-sm ${job.status === "failed" ? "border-red-200 bg-red-50 text-red-800" : "border-amber-200 bg-amber-50 text-amber-900"}`}
        >
          {job.status === "failed" ? (
            <AlertTriangle aria-hidden className="mt-0.5 size-4 shrink-0" />
          ) : (
            <Info aria-hidden className="mt-0.5 size-4 shrink-0" />
          )}
          <div>
            <p className="font-medium">{job.status === "failed" ? "Training failed" : "Stopped"}</p>
            <p className="mt-0.5" data-testid="job-error">
              {job.error}
            </p>
          </div>
        </div>
      ) : null}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <div className="min-w-0 space-y-6 lg:col-span-2">
          <TrainingPanel job={job} initial={initialTraining} />
          <JobFields job={job} connectionAlias={connectionAlias} />
          <GuardrailsPanel job={job} canChange={canCancel} />
          <MetadataTable metadata={job.metadata} />
        </div>
        <Panel title="Timeline" className="min-w-0">
          {eventsQuery.isRefetchError ? (
            <p className="mb-3 text-xs text-red-700">Could not refresh the timeline: {eventsQuery.error.message}</p>
          ) : null}
          <EventTimeline events={eventsQuery.data} />
        </Panel>
      </div>
    </div>
  );
}
