"use client";

import { useQueryClient } from "@tanstack/react-query";
import { LoaderCircle } from "lucide-react";
import { useState } from "react";
import { Button } from "@/app/_components/button";
import { DialogClose, DialogContent, DialogDone, DialogRoot } from "@/app/_components/dialog";
import { trpc } from "@/app/_trpc/client";
import type { CancelManyOutput, CancelOutcome } from "@/server/finetuning/cancel-many-schema";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { asCancelled, findListedJob, snapshotLists, updateListedJob } from "../_hooks/job-cache";
import { cancelManyFilter, type JobFilters } from "./job-filters";
import { formatUsd } from "./job-money";
import { CompareLink } from "../compare/_components/compare-link";

type Selection = { ids: string[] } | { filter: JobFilters };

const OUTCOME_LABELS: Record<CancelOutcome, string> = {
  will_cancel: "will be cancelled",
  cancelled: "cancelled",
  cancelling: "cancelling (the provider confirms shortly)",
  already_cancelled: "already cancelled",
  already_finished: "already finished",
  not_found: "not yours to cancel (not found)",
  provider_unreachable: "provider unreachable",
  conflict: "changed meanwhile",
};

/**
 * "Cancel N jobs": a dry run first (what will be cancelled, what is already
 * finished or not yours, what was spent), then the cancel with each badge
 * flipped at once and rolled back, job by job, when its cancel is refused.
 */
export function BulkCancelDialog({ selection, count, onDone }: { selection: Selection; count: number | null; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const queryClient = useQueryClient();
  const utils = trpc.useUtils();
  const dryRun = trpc.finetuning.cancelMany.useMutation();
  const run = trpc.finetuning.cancelMany.useMutation();
  const [results, setResults] = useState<CancelManyOutput | null>(null);

  const input = "ids" in selection ? { ids: selection.ids } : { filter: cancelManyFilter(selection.filter) };
  const start = (next: boolean) => {
    setOpen(next);
    if (!next) {
      if (results) onDone();
      setResults(null);
      dryRun.reset();
      run.reset();
      return;
    }
    dryRun.mutate({ ...input, dry_run: true });
  };

  const confirm = async () => {
    const plan = dryRun.data;
    if (!plan) return;
    const ids = plan.results.filter((r) => r.outcome === "will_cancel").map((r) => r.finetuning_id);
    if (ids.length === 0) return;
    // Flip every badge now, keeping each job as it was to put back if its cancel is refused.
    const lists = snapshotLists(queryClient);
    const before = new Map<string, FinetuningJob>();
    for (const id of ids) {
      const job = findListedJob(lists, id);
      if (job) before.set(id, job);
      updateListedJob(queryClient, id, asCancelled);
    }
    try {
      const answer = await run.mutateAsync({ ids, dry_run: false });
      for (const r of answer.results) {
        const was = before.get(r.finetuning_id);
        if (r.outcome !== "cancelled" && was) updateListedJob(queryClient, r.finetuning_id, () => was);
      }
      setResults(answer);
    } catch {
      for (const [id, was] of before) updateListedJob(queryClient, id, () => was);
    } finally {
      void utils.finetuning.list.invalidate();
    }
  };

  const plan = dryRun.data;
  const willCancel = plan?.counts.will_cancel ?? 0;
  return (
    <DialogRoot open={open} onOpenChange={start}>
      {"ids" in selection ? <CompareLink ids={selection.ids} /> : null}
      <Button variant="danger-outline" size="sm" onClick={() => start(true)}>
        Cancel {count ?? "all matching"} {count === 1 ? "job" : "jobs"}
      </Button>
      {open ? (
        <DialogContent title={results ? "Bulk cancel: results" : `Cancel ${count ?? plan?.results.length ?? "all matching"} jobs?`} wide>
          {dryRun.isPending ? (
            <p className="flex items-center gap-2 text-sm text-slate-600">
              <LoaderCircle aria-hidden className="size-4 animate-spin" /> Checking what would happen (dry run)…
            </p>
          ) : dryRun.error ? (
            <p role="alert" className="text-sm text-red-700">
              {dryRun.error.message}
            </p>
          ) : plan && !results ? (
            <div className="space-y-4 text-sm">
              <ul aria-label="Dry run" className="space-y-1 text-slate-700">
                <li>
                  <strong data-testid="dry-run-will-cancel">{willCancel}</strong> will be cancelled
                </li>
                <li>
                  <strong>{plan.counts.already_finished + plan.counts.already_cancelled}</strong> already finished
                </li>
                <li>
                  <strong>{plan.counts.not_found}</strong> not yours to cancel
                </li>
                <li>
                  <strong>{formatUsd(plan.spent_usd)}</strong> spent so far on the ones to cancel
                </li>
              </ul>
              <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
                <DialogClose asChild>
                  <Button>Keep them</Button>
                </DialogClose>
                <Button variant="danger" disabled={willCancel === 0 || run.isPending} onClick={() => void confirm()}>
                  {run.isPending ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : null}
                  Cancel {willCancel} {willCancel === 1 ? "job" : "jobs"}
                </Button>
              </div>
              {run.error ? (
                <p role="alert" className="text-red-700">
                  {run.error.message}
                </p>
              ) : null}
            </div>
          ) : results ? (
            <div className="space-y-3 text-sm">
              <p className="text-slate-700">
                {results.counts.cancelled} cancelled
                {results.counts.cancelling > 0 ? `, ${results.counts.cancelling} cancelling (the provider confirms shortly)` : ""}
                {results.counts.provider_unreachable +
                  results.counts.conflict +
                  results.counts.already_finished +
                  results.counts.already_cancelled +
                  results.counts.not_found >
                0
                  ? "; the others were left as they are:"
                  : "."}
              </p>
              <ul aria-label="Results" className="max-h-80 space-y-1 overflow-y-auto">
                {results.results.map((r) => (
                  <li key={r.finetuning_id} data-outcome={r.outcome} className="flex gap-2">
                    <span className="font-mono text-xs text-slate-500">{r.finetuning_id.slice(-12)}</span>
                    <span className={r.outcome === "cancelled" ? "text-slate-700" : "text-red-700"}>{OUTCOME_LABELS[r.outcome]}</span>
                    {r.reason ? <span className="text-slate-500">— {r.reason}</span> : null}
                  </li>
                ))}
              </ul>
              <DialogDone />
            </div>
          ) : null}
        </DialogContent>
      ) : null}
    </DialogRoot>
  );
}
