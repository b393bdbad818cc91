"use client";

import { useSyncExternalStore } from "react";
import { Line, LineChart, YAxis } from "recharts";
import { trpc } from "@/app/_trpc/client";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { costText, untilText } from "./job-money";

/** How often a training job's progress and curve are read again (metrics events are not announced as job changes). */
export const TRAINING_POLL_MS = 3_000;

/** Whether the job's progress still moves (so its numbers are polled). */
export function isTraining(job: Pick<FinetuningJob, "status">): boolean {
  return job.status === "running" || job.status === "pausing";
}

const subscribeMinute = (onChange: () => void) => {
  const timer = setInterval(onChange, 30_000);
  return () => clearInterval(timer);
};

/** "ETA in 12 min", from the provider's estimated finish; rendered in the browser only (it depends on the clock). */
export function Eta({ iso }: { iso: string }) {
  const text = useSyncExternalStore(
    subscribeMinute,
    () => untilText(iso, Math.floor(Date.now() / 30_000) * 30_000),
    () => null,
  );
  return text ? <span title={`Estimated finish ${new Date(iso).toISOString()}`}>ETA {text}</span> : null;
}

/** A bar with step / total and percent. */
export function ProgressBar({ progress, label }: { progress: NonNullable<FinetuningJob["progress"]>; label: string }) {
  const percent = progress.percent ?? 0;
  return (
    <div className="min-w-28 space-y-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress.percent ?? undefined}
        aria-valuetext={progress.total_steps ? `step ${progress.step} of ${progress.total_steps}, ${percent}%` : `step ${progress.step}`}
        className="h-1.5 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full rounded-full bg-blue-500 transition-[width]" style={{ width: `${percent}%` }} />
      </div>
      <p className="text-xs whitespace-nowrap text-slate-600 tabular-nums">
        {progress.total_steps ? `${progress.step} / ${progress.total_steps} · ${percent}%` : `step ${progress.step}`}
      </p>
    </div>
  );
}

/** The jobs table's progress cell: bar, ETA, cost so far and a loss sparkline. */
export function JobProgressCell({ job }: { job: FinetuningJob }) {
  const cost = costText(job);
  if (!job.progress) {
    return cost ? <span className="text-xs text-slate-600 tabular-nums">{cost}</span> : <span className="text-slate-500">—</span>;
  }
  return (
    <div className="flex items-center gap-3">
      <ProgressBar progress={job.progress} label={`Training progress of ${job.alias ?? job.id}`} />
      <div className="space-y-0.5 text-xs whitespace-nowrap text-slate-600 tabular-nums">
        {job.estimated_finish ? (
          <p>
            <Eta iso={job.estimated_finish} />
          </p>
        ) : null}
        <p>{cost ?? "price unknown"}</p>
      </div>
      {isTraining(job) || job.status === "paused" ? <LossSparkline job={job} /> : null}
    </div>
  );
}

const SPARK_POINTS = 40;

/** The train loss so far, small; a shape, not numbers (the detail page has the chart). */
export function LossSparkline({ job }: { job: FinetuningJob }) {
  const metrics = trpc.finetuning.metrics.useQuery(
    { finetuning_id: job.id, max_points: SPARK_POINTS },
    { refetchInterval: isTraining(job) ? TRAINING_POLL_MS : false, staleTime: 1_000 },
  );
  const points = metrics.data?.series.train_loss ?? [];
  if (points.length < 2) return null;
  const last = points.at(-1);
  return (
    <figure
      role="img"
      aria-label={`Training loss sparkline, latest ${last?.value.toFixed(3) ?? "unknown"}`}
      data-points={points.length}
      // A phone's card has no room for it beside the bar and the cost.
      className="shrink-0 max-md:hidden"
    >
      <LineChart width={84} height={28} data={points} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
        <YAxis hide domain={["dataMin", "dataMax"]} />
        <Line type="monotone" dataKey="value" stroke="#2563eb" strokeWidth={1.5} dot={false} isAnimationActive={false} />
      </LineChart>
    </figure>
  );
}
