import { ShieldAlert } from "lucide-react";
import type { FinetuningJob } from "@/server/finetuning/schema";

const DID: Record<string, string> = {
  stopped: "stopped the job",
  notified: "notified",
  pending: "is stopping the job",
  skipped: "stood down",
};

/** A shield beside the status when a guardrail fired; its tooltip says which rule, the numbers and what it did. */
export function GuardrailFlag({ job }: { job: Pick<FinetuningJob, "guardrail_trips"> }) {
  const trips = job.guardrail_trips;
  if (trips.length === 0) return null;
  const label = trips.map((t) => `Guardrail ${t.message} (${t.action}: ${DID[t.outcome] ?? t.outcome})`).join("\n");
  const stopped = trips.some((t) => t.outcome === "stopped" || t.outcome === "pending");
  return (
    <span role="img" aria-label={label} title={label} data-testid="guardrail-flag" className={stopped ? "text-red-600" : "text-amber-500"}>
      <ShieldAlert aria-hidden className="size-4" />
    </span>
  );
}
