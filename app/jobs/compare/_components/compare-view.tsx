"use client";

import { useState } from "react";
import { trpc } from "@/app/_trpc/client";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { jobName } from "../../_hooks/job-cache";
import { CompareChart, type CompareMetric } from "./compare-chart";
import { CompareTable, type TableRun } from "./compare-table";
import { lowest, MetricSelect } from "./metric-select";

const num = (v: unknown) => (typeof v === "number" ? v : null);

/** Jobs chosen in the table, side by side: one chart of the chosen metric and a sortable table. */
export function CompareView({ jobs }: { jobs: FinetuningJob[] }) {
  const [metric, setMetric] = useState<CompareMetric>("train_loss");
  const curves = trpc.useQueries((t) => jobs.map((job) => t.finetuning.metrics({ finetuning_id: job.id })));
  const runs = jobs.map((job, i) => ({ id: job.id, label: jobName(job), stoppedAtStep: null, metrics: curves[i]?.data }));
  const table: TableRun[] = jobs.map((job, i) => ({
    id: job.id,
    label: jobName(job),
    epochs: num(job.base_llm.model_parameters?.n_epochs),
    learningRate: num(job.base_llm.model_parameters?.learning_rate_multiplier),
    bestMetric: lowest(curves[i]?.data?.series[metric]),
    costUsd: job.cost.so_far_usd,
    status: job.status,
    stoppedAtStep: null,
  }));
  const winner = [...table].filter((r) => r.bestMetric !== null).sort((a, b) => a.bestMetric! - b.bestMetric!)[0]?.id ?? null;
  return (
    <div className="space-y-6">
      <div className="flex justify-end">
        <MetricSelect value={metric} onChange={setMetric} />
      </div>
      <CompareChart runs={runs} metric={metric} />
      <CompareTable runs={table} winnerId={winner} />
    </div>
  );
}
