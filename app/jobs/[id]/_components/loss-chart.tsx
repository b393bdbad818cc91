"use client";

import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Checkpoint, JobMetrics } from "@/server/finetuning/training-curves-schema";

type Row = { step: number; train_loss?: number; valid_loss?: number };

// The two series are downsampled apart, so their steps differ: merge them by step.
function mergeSeries(metrics: JobMetrics): Row[] {
  const rows = new Map<number, Row>();
  for (const p of metrics.series.train_loss) rows.set(p.step, { ...rows.get(p.step), step: p.step, train_loss: p.value });
  for (const p of metrics.series.valid_loss) rows.set(p.step, { ...rows.get(p.step), step: p.step, valid_loss: p.value });
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

/** Train and validation loss per step, checkpoints marked; redrawn as new points arrive. */
export function LossChart({ metrics, checkpoints }: { metrics: JobMetrics; checkpoints: Checkpoint[] }) {
  const rows = useMemo(() => mergeSeries(metrics), [metrics]);
  const trainPoints = metrics.series.train_loss.length;
  const hasValid = metrics.series.valid_loss.length > 0;
  const lastStep = rows.at(-1)?.step ?? 0;

  if (rows.length === 0) {
    return <p className="text-sm text-slate-500">No training steps reported yet; the curve appears once the job trains.</p>;
  }
  return (
    <figure aria-label="Loss chart" data-points={trainPoints} className="space-y-2">
      <div className="h-64 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
            <XAxis dataKey="step" type="number" domain={[1, metrics.total_steps ?? "dataMax"]} tick={{ fontSize: 11 }} />
            <YAxis tick={{ fontSize: 11 }} width={44} domain={[0, "auto"]} />
            <Tooltip
              formatter={(value) => (typeof value === "number" ? value.toFixed(4) : String(value))}
              labelFormatter={(step) => (typeof step === "number" ? `Step ${step}` : "")}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {checkpoints.map((c) => (
              <ReferenceLine
                key={c.id}
                x={c.step_number}
                stroke="#94a3b8"
                strokeDasharray="4 3"
                label={{ value: `ckpt ${c.step_number}`, position: "insideTopRight", fontSize: 10, fill: "#64748b" }}
              />
            ))}
            <Line
              name="Training loss"
              type="monotone"
              dataKey="train_loss"
              stroke="#2563eb"
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            {hasValid ? (
              <Line
                name="Validation loss"
                type="monotone"
                dataKey="valid_loss"
                stroke="#f97316"
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
                connectNulls
              />
            ) : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="text-xs text-slate-500">
        {metrics.raw_count.toLocaleString("en-US")} steps reported
        {metrics.total_steps ? ` of ${metrics.total_steps.toLocaleString("en-US")}` : ""} (up to step {lastStep})
        {metrics.raw_count > trainPoints ? `, drawn as ${trainPoints} points` : ""}
        {metrics.non_finite_count > 0 ? ` · ${metrics.non_finite_count} steps with a loss that is not a number (diverged?)` : ""}
      </figcaption>
    </figure>
  );
}
