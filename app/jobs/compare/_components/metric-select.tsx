"use client";

import type { CompareMetric } from "./compare-chart";

export function MetricSelect({ value, onChange }: { value: CompareMetric; onChange: (metric: CompareMetric) => void }) {
  return (
    <label className="flex items-center gap-2 text-sm text-slate-600">
      Metric
      <select
        value={value}
        onChange={(e) => onChange(e.target.value as CompareMetric)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        <option value="valid_loss">Validation loss</option>
        <option value="train_loss">Training loss</option>
      </select>
    </label>
  );
}

/** The lowest value of a series; null when it has none. */
export function lowest(points: Array<{ value: number }> | undefined): number | null {
  if (!points || points.length === 0) return null;
  return Math.min(...points.map((p) => p.value));
}
