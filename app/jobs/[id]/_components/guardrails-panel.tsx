"use client";

import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/app/_components/button";
import { trpc } from "@/app/_trpc/client";
import { isActive, type FinetuningJob } from "@/server/finetuning/schema";
import type { Guardrails } from "@/server/guardrails/schema";
import { GuardrailsFields } from "../../_components/guardrails-fields";
import { Panel } from "./job-fields";

/** The job's guardrails, what fired, and (for an operator, while it is active) changing them. */
export function GuardrailsPanel({ job, canChange }: { job: FinetuningJob; canChange: boolean }) {
  const [draft, setDraft] = useState<Guardrails>(job.guardrails);
  const utils = trpc.useUtils();
  const save = trpc.finetuning.setGuardrails.useMutation({
    onSuccess: () => {
      toast.success("Guardrails saved");
      void utils.finetuning.get.invalidate({ finetuning_id: job.id });
    },
    onError: (error) => toast.error("Could not save the guardrails", { description: error.message }),
  });
  const editable = canChange && isActive(job.status);
  return (
    <Panel title="Guardrails">
      {job.guardrail_trips.length > 0 ? (
        <ul aria-label="Guardrails that fired" className="mb-4 space-y-1 text-sm">
          {job.guardrail_trips.map((t) => (
            <li key={t.rule} className="text-red-800">
              {t.message} — {t.action} ({t.outcome})
            </li>
          ))}
        </ul>
      ) : null}
      <GuardrailsFields value={draft} onChange={setDraft} disabled={!editable} />
      {editable ? (
        <div className="mt-3 flex justify-end">
          <Button
            variant="primary"
            size="sm"
            disabled={save.isPending}
            onClick={() => save.mutate({ finetuning_id: job.id, guardrails: draft })}
          >
            Save guardrails
          </Button>
        </div>
      ) : null}
    </Panel>
  );
}
