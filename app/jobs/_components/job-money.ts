import type { FinetuningJob } from "@/server/finetuning/schema";

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "$0.06"; amounts under a cent read "< $0.01" rather than a misleading "$0.00". */
export function formatUsd(amount: number): string {
  if (amount > 0 && amount < 0.01) return "< $0.01";
  return usd.format(amount);
}

/** What cancelling now means in money, for the Cancel dialog (docs/CONTRACT.md, "Cost"). */
export function spentSentence(job: Pick<FinetuningJob, "cost" | "base_llm">): string {
  const { cost } = job;
  if (cost.usd_per_1m_training_tokens === null) {
    return `The price of ${job.base_llm.model_name} is unknown, so what it has cost so far cannot be estimated.`;
  }
  if (cost.so_far_usd === null || cost.estimated_total_usd === null) return "Nothing spent yet: training has not started.";
  return `Spent so far ≈ ${formatUsd(cost.so_far_usd)} of ≈ ${formatUsd(cost.estimated_total_usd)}.`;
}

/** The short cost for a table cell: so far while training, final once known; null when unknown. */
export function costSoFar(job: Pick<FinetuningJob, "cost">): string | null {
  const amount = job.cost.final_usd ?? job.cost.so_far_usd;
  return amount === null ? null : `≈ ${formatUsd(amount)}`;
}

/** "in 12 min", "in 2 h 5 min", "any moment now". */
export function untilText(iso: string, now: number): string {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
  if (minutes <= 0) return "any moment now";
  if (minutes < 60) return `in ${minutes} min`;
  return `in ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
