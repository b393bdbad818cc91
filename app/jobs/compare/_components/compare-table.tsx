"use client";

import { Star } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { JobStatusBadge } from "@/app/_components/job-status-badge";
import type { JobStatus } from "@/server/finetuning/schema";
import { colourOf } from "./compare-chart";

export type TableRun = {
  id: string | null;
  label: string;
  epochs: number | null;
  learningRate: number | null;
  bestMetric: number | null;
  costUsd: number | null;
  status: JobStatus | "waiting" | "skipped";
  stoppedAtStep: number | null;
};

type Key = "label" | "learningRate" | "epochs" | "bestMetric" | "costUsd" | "status";
const COLUMNS: Array<{ key: Key; label: string }> = [
  { key: "label", label: "Run" },
  { key: "learningRate", label: "LR multiplier" },
  { key: "epochs", label: "Epochs" },
  { key: "bestMetric", label: "Best metric" },
  { key: "costUsd", label: "Cost" },
  { key: "status", label: "Status" },
];

function compare(a: TableRun, b: TableRun, key: Key): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
}

/** Parameters, best metric, cost and status of each run, sortable by any column; the winner starred. */
export function CompareTable({ runs, winnerId }: { runs: TableRun[]; winnerId: string | null }) {
  const [sort, setSort] = useState<{ key: Key; dir: 1 | -1 }>({ key: "bestMetric", dir: 1 });
  const colours = new Map(runs.map((r, i) => [r.label, colourOf(i)]));
  const sorted = [...runs].sort((a, b) => sort.dir * compare(a, b, sort.key));
  return (
    <table className="w-full text-left text-sm" aria-label="Runs">
      <thead className="border-b border-slate-200 text-xs text-slate-500">
        <tr>
          {COLUMNS.map((c) => (
            <th
              key={c.key}
              scope="col"
              aria-sort={sort.key === c.key ? (sort.dir === 1 ? "ascending" : "descending") : "none"}
              className="py-2 pr-3"
            >
              <button
                type="button"
                className="font-medium hover:text-slate-900"
                onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key ? (s.dir === 1 ? -1 : 1) : 1 }))}
              >
                {c.label}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {sorted.map((run) => (
          <tr key={run.label} className={run.stoppedAtStep !== null ? "text-slate-500" : ""}>
            <td className="py-2 pr-3">
              <span aria-hidden className="mr-2 inline-block size-2.5 rounded-full" style={{ background: colours.get(run.label) }} />
              {run.id ? (
                <Link href={`/jobs/${run.id}`} className="underline-offset-2 hover:underline">
                  {run.label}
                </Link>
              ) : (
                run.label
              )}
              {run.id !== null && run.id === winnerId ? (
                <span className="ml-2 inline-flex items-center gap-1 text-xs font-medium text-amber-700">
                  <Star aria-hidden className="size-3.5 fill-amber-400 text-amber-500" /> Best
                </span>
              ) : null}
            </td>
            <td className="py-2 pr-3 tabular-nums">{run.learningRate ?? "auto"}</td>
            <td className="py-2 pr-3 tabular-nums">{run.epochs ?? "auto"}</td>
            <td className="py-2 pr-3 tabular-nums">{run.bestMetric?.toFixed(4) ?? "–"}</td>
            <td className="py-2 pr-3 tabular-nums">{run.costUsd === null ? "–" : `$${run.costUsd.toFixed(4)}`}</td>
            <td className="py-2 pr-3">
              {run.status === "waiting" || run.status === "skipped" ? (
                <span className="text-xs text-slate-500">{run.status === "waiting" ? "Waiting for a slot" : "Not started"}</span>
              ) : (
                <JobStatusBadge status={run.status} />
              )}
              {run.stoppedAtStep !== null ? <span className="ml-2 text-xs">stopped at step {run.stoppedAtStep}</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
