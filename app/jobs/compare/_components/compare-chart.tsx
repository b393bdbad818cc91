"use client";

import { useMemo } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { JobMetrics } from "@/server/finetuning/training-curves-schema";

export type CompareMetric = "train_loss" | "valid_loss";
export type ChartRun = { id: string; label: string; stoppedAtStep: number | null; metrics: JobMetrics | undefined };

export const RUN_COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
export const colourOf = (index: number) => RUN_COLOURS[index % RUN_COLOURS.length]!;

type Row = Record<string, number>;

// One row per step (a continued job's steps follow its parent's: step + step_offset); a stopped
// run's points from its stop step on go in a second, dimmed series.
function rowsOf(runs: ChartRun[], metric: CompareMetric): Row[] {
  const rows = new Map<number, Row>();
  for (const run of runs) {
    const offset = run.metrics?.step_offset ?? 0;
    for (const p of run.metrics?.series[metric] ?? []) {
      const step = p.step + offset;
      const row = rows.get(step) ?? { step };
      const stopped = run.stoppedAtStep !== null && step >= run.stoppedAtStep;
      if (!stopped || step === run.stoppedAtStep) row[run.id] = p.value;
      if (stopped) row[`${run.id}:after`] = p.value;
      rows.set(step, row);
    }
  }
  return [...rows.values()].sort((a, b) => a["step"]! - b["step"]!);
}

/** The chosen metric of every run on one chart: a colour per run, stops dimmed, milestones drawn, all runs read at a hovered step. */
export function CompareChart({ runs, metric, milestones = [] }: { runs: ChartRun[]; metric: CompareMetric; milestones?: number[] }) {
  // Runs without a validation file report no validation loss: they are compared on training loss, as the sweep judges them.
  const rows = useMemo(() => {
    const chosen = rowsOf(runs, metric);
    return chosen.length === 0 && metric === "valid_loss" ? rowsOf(runs, "train_loss") : chosen;
  }, [runs, metric]);
  const labels = new Map(runs.map((r) => [r.id, r.label]));
  if (rows.length === 0) return <p className="text-sm text-slate-500">No steps reported yet; the curves appear as the runs train.</p>;
  return (
    <figure aria-label="Compare chart" data-runs={runs.length} className="h-80 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={[1, "dataMax"]} tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={44} domain={[0, "auto"]} />
          <Tooltip
            formatter={(value, name) => [
              typeof value === "number" ? value.toFixed(4) : String(value),
              labels.get(String(name).replace(/:after$/, "")) ?? name,
            ]}
            labelFormatter={(step) => (typeof step === "number" ? `Step ${step}` : "")}
          />
          {milestones.map((m) => (
            <ReferenceLine
              key={m}
              x={m}
              stroke="#94a3b8"
              strokeDasharray="4 3"
              label={{ value: `${m}`, position: "insideTop", fontSize: 10, fill: "#64748b" }}
            />
          ))}
          {runs.flatMap((run, i) => [
            <Line
              key={run.id}
              dataKey={run.id}
              name={run.id}
              stroke={colourOf(i)}
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />,
            run.stoppedAtStep === null ? null : (
              <Line
                key={`${run.id}:after`}
                dataKey={`${run.id}:after`}
                name={`${run.id}:after`}
                stroke={colourOf(i)}
                strokeOpacity={0.25}
                strokeDasharray="3 3"
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
                connectNulls
              />
            ),
          ])}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
