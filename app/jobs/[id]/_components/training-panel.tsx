"use client";

import { trpc } from "@/app/_trpc/client";
import type { Checkpoint, JobMetrics } from "@/server/finetuning/training-curves-schema";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { formatUsd, spentOfEstimate } from "../../_components/job-money";
import { Eta, isTraining, ProgressBar, TRAINING_POLL_MS } from "../../_components/job-progress";
import { CheckpointList } from "./checkpoint-list";
import { LossChart } from "./loss-chart";
import { Panel } from "./job-fields";

function CostSummary({ job }: { job: FinetuningJob }) {
  const { cost } = job;
  if (cost.usd_per_1m_training_tokens === null) return <p>Price unknown for {job.base_llm.model_name}: no cost is estimated.</p>;
  const rate = `at ${formatUsd(cost.usd_per_1m_training_tokens)} per 1M training tokens`;
  if (cost.final_usd !== null)
    return (
      <p>
        Cost {formatUsd(cost.final_usd)} ({job.trained_tokens?.toLocaleString("en-US")} trained tokens {rate})
      </p>
    );
  if (cost.estimated_total_usd === null || cost.so_far_usd === null)
    return <p>Not estimated yet: the training file is being prepared ({rate}).</p>;
  return (
    <p>
      Spent so far: {spentOfEstimate(cost.so_far_usd, cost.estimated_total_usd)} ({cost.training_file_tokens?.toLocaleString("en-US")}{" "}
      tokens × {cost.n_epochs} epochs {rate})
    </p>
  );
}

/** The curves and checkpoints as the page's server render read them. */
export type InitialTraining = { metrics: JobMetrics; checkpoints: Checkpoint[] };

/** Progress, ETA, cost, the loss chart and the checkpoints; live while the job trains. */
export function TrainingPanel({ job, initial }: { job: FinetuningJob; initial?: InitialTraining }) {
  const input = { finetuning_id: job.id };
  const refetchInterval = isTraining(job) ? TRAINING_POLL_MS : false;
  const metrics = trpc.finetuning.metrics.useQuery(input, { refetchInterval, initialData: initial?.metrics });
  const checkpoints = trpc.finetuning.checkpoints.useQuery(input, { refetchInterval, initialData: initial?.checkpoints });

  return (
    <>
      <Panel title="Progress">
        <div className="space-y-3 text-sm text-slate-700">
          {job.progress ? (
            <ProgressBar progress={job.progress} label="Training progress" />
          ) : (
            <p className="text-slate-500">No training steps yet.</p>
          )}
          {job.estimated_finish ? (
            <p>
              <Eta iso={job.estimated_finish} />
            </p>
          ) : null}
          <CostSummary job={job} />
        </div>
      </Panel>
      <Panel title="Loss">
        {metrics.data ? (
          <LossChart metrics={metrics.data} checkpoints={checkpoints.data ?? []} />
        ) : (
          <p className="text-sm text-slate-500">Loading the curve…</p>
        )}
        {metrics.isError ? <p className="mt-2 text-xs text-red-700">Could not load the curve: {metrics.error.message}</p> : null}
      </Panel>
      <Panel title="Checkpoints">
        {checkpoints.data ? <CheckpointList checkpoints={checkpoints.data} /> : <p className="text-sm text-slate-500">Loading…</p>}
      </Panel>
    </>
  );
}
