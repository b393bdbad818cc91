"use client";

import { ChevronRight } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/app/_components/button";
import { ErrorCallout } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { Sweep } from "@/server/sweeps/schema";
import { CompareChart, type CompareMetric } from "@/app/jobs/compare/_components/compare-chart";
import { CompareTable } from "@/app/jobs/compare/_components/compare-table";
import { MetricSelect } from "@/app/jobs/compare/_components/metric-select";

const POLL_MS = 2_000;

/** A sweep: its runs on one chart and in a table, what it stopped and why, and its best checkpoint one click from a new job. */
export function SweepDetail({ initialSweep, canChange }: { initialSweep: Sweep; canChange: boolean }) {
  const router = useRouter();
  const input = { sweep_id: initialSweep.id };
  const utils = trpc.useUtils();
  const query = trpc.sweep.get.useQuery(input, {
    initialData: initialSweep,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === "running" || q.state.data.status === "paused") ? POLL_MS : false),
  });
  const sweep = query.data;
  const [metric, setMetric] = useState<CompareMetric>(sweep.early_stopping.metric);
  const started = sweep.runs.filter((r) => r.finetuning_id !== null);
  const curves = trpc.useQueries((t) =>
    started.map((r) => t.finetuning.metrics({ finetuning_id: r.finetuning_id! }, { refetchInterval: sweep.ended_at ? false : POLL_MS })),
  );
  const settle = { onSettled: () => void utils.sweep.get.invalidate(input) };
  const cancel = trpc.sweep.cancel.useMutation(settle);
  const pause = trpc.sweep.pause.useMutation(settle);
  const resume = trpc.sweep.resume.useMutation(settle);
  const continueFrom = trpc.finetuning.continueFrom.useMutation({ onSuccess: (job) => router.push(`/jobs/${job.id}`) });
  const active = sweep.status === "running" || sweep.status === "paused";
  const label = (position: number) => `${sweep.name} #${position + 1}`;
  const error = cancel.error ?? pause.error ?? resume.error ?? continueFrom.error;

  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="flex items-center gap-1 text-sm text-slate-500">
        <Link href="/sweeps" className="hover:text-slate-900">
          Sweeps
        </Link>
        <ChevronRight aria-hidden className="size-4 text-slate-400" />
        <span aria-current="page" className="text-slate-700">
          {sweep.name}
        </span>
      </nav>
      <section className="flex flex-wrap items-start justify-between gap-4">
        <div className="space-y-1">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">{sweep.name}</h1>
          <p role="status" aria-label="Sweep status" className="text-sm text-slate-600">
            {sweep.status} · {sweep.early_stopping.policy} on {sweep.early_stopping.metric.replace("_", " ")} · up to {sweep.max_concurrent}{" "}
            at once · ${sweep.cost.so_far_usd.toFixed(4)} spent
            {sweep.max_cost_usd !== null ? ` of $${sweep.max_cost_usd}` : ""}
            {sweep.end_reason ? ` · ${sweep.end_reason}` : ""}
          </p>
        </div>
        {canChange ? (
          <div className="flex gap-2">
            {sweep.status === "running" ? (
              <Button size="sm" onClick={() => pause.mutate(input)} disabled={pause.isPending}>
                Pause sweep
              </Button>
            ) : null}
            {sweep.status === "paused" ? (
              <Button size="sm" onClick={() => resume.mutate(input)} disabled={resume.isPending}>
                Resume sweep
              </Button>
            ) : null}
            {active ? (
              <Button size="sm" variant="danger-outline" onClick={() => cancel.mutate(input)} disabled={cancel.isPending}>
                Cancel sweep
              </Button>
            ) : null}
          </div>
        ) : null}
      </section>
      {error ? <ErrorCallout title="That did not work">{error.message}</ErrorCallout> : null}

      <section aria-label="Best run" className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
        {sweep.best ? (
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p>
              {sweep.ended_at ? "Winner" : "Best so far"}:{" "}
              <Link href={`/jobs/${sweep.best.finetuning_id}`} className="font-medium underline-offset-2 hover:underline">
                {label(sweep.runs.find((r) => r.finetuning_id === sweep.best?.finetuning_id)?.position ?? 0)}
              </Link>{" "}
              at {sweep.best.metric.toFixed(4)}
              {sweep.best.checkpoint_id ? <span className="font-mono text-xs text-slate-500"> · {sweep.best.checkpoint_id}</span> : null}
            </p>
            {canChange && sweep.best.checkpoint_id ? (
              <Button
                variant="primary"
                size="sm"
                disabled={continueFrom.isPending}
                onClick={() => continueFrom.mutate({ finetuning_id: sweep.best!.finetuning_id, checkpoint_id: sweep.best!.checkpoint_id! })}
              >
                Continue from best checkpoint
              </Button>
            ) : null}
          </div>
        ) : (
          <p className="text-slate-500">No run has reported its metric yet.</p>
        )}
      </section>

      <section aria-label="Runs compared" className="space-y-3">
        <div className="flex justify-end">
          <MetricSelect value={metric} onChange={setMetric} />
        </div>
        <CompareChart
          metric={metric}
          milestones={sweep.milestones}
          runs={started.map((r, i) => ({
            id: r.finetuning_id!,
            label: label(r.position),
            stoppedAtStep: r.stopped_at_step,
            metrics: curves[i]?.data,
          }))}
        />
        <CompareTable
          winnerId={sweep.best?.finetuning_id ?? null}
          runs={sweep.runs.map((r) => ({
            id: r.finetuning_id,
            label: label(r.position),
            epochs: r.parameters.n_epochs ?? null,
            learningRate: r.parameters.learning_rate_multiplier ?? null,
            bestMetric: r.best_metric,
            costUsd: r.cost_usd,
            status: r.status,
            stoppedAtStep: r.stopped_at_step,
          }))}
        />
        <ul aria-label="Stops" className="space-y-1 text-xs text-slate-600">
          {sweep.runs
            .filter((r) => r.stopped_reason)
            .map((r) => (
              <li key={r.position}>{r.stopped_reason}</li>
            ))}
        </ul>
      </section>
    </div>
  );
}
