"use client";

import { OctagonX } from "lucide-react";
import { useId, useState } from "react";
import {
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogRoot,
  AlertDialogTrigger,
} from "@/app/_components/alert-dialog";
import { Button } from "@/app/_components/button";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { jobName } from "../_hooks/job-cache";
import { spentSentence } from "./job-money";
import { useCancelJob } from "../_hooks/use-cancel-job";

/** "Cancel" → a confirmation naming the job → an optimistic cancel (useCancelJob). */
export function CancelJobButton({
  job,
  size = "sm",
}: {
  job: Pick<FinetuningJob, "id" | "alias" | "status" | "cost" | "base_llm">;
  size?: "sm" | "md";
}) {
  const cancelJob = useCancelJob();
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const name = jobName(job);

  const confirm = () => {
    const why = reason.trim();
    cancelJob.mutate({ finetuning_id: job.id, metadata: why ? { reason: why } : undefined });
    setReason("");
  };

  return (
    <AlertDialogRoot>
      <AlertDialogTrigger asChild>
        <Button variant="danger-outline" size={size} disabled={cancelJob.isPending} title={`Cancel ${name}`}>
          <OctagonX aria-hidden className={size === "sm" ? "size-3.5" : "size-4"} />
          Cancel
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent
        title={
          <>
            Cancel <span className="font-mono text-[0.95em]">{name}</span>?
          </>
        }
        description={
          <>
            <p>
              Training stops now and <strong className="font-semibold text-slate-800">cannot be resumed</strong>. The provider job is
              cancelled and its training file deleted; to train again, start a new job.
            </p>
            <p className="mt-2" data-testid="cancel-cost">
              {spentSentence(job)}
            </p>
          </>
        }
      >
        <div className="mt-4 space-y-1.5">
          <label htmlFor={reasonId} className="block text-sm font-medium text-slate-800">
            Reason <span className="font-normal text-slate-500">(optional, kept in the job’s history)</span>
          </label>
          <input
            id={reasonId}
            value={reason}
            maxLength={500}
            onChange={(event) => setReason(event.target.value)}
            placeholder="e.g. wrong golden records"
            className="block h-9 w-full rounded-md border border-slate-300 px-3 text-sm shadow-xs placeholder:text-slate-400 focus:border-blue-600 focus:outline-2 focus:outline-blue-600/30"
          />
        </div>
        <div className="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <AlertDialogCancel asChild>
            <Button variant="secondary">Keep job</Button>
          </AlertDialogCancel>
          <AlertDialogAction asChild>
            <Button variant="danger" onClick={confirm}>
              Cancel job
            </Button>
          </AlertDialogAction>
        </div>
      </AlertDialogContent>
    </AlertDialogRoot>
  );
}
