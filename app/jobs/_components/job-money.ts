import type { FinetuningJob } from "@/server/finetuning/schema";

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const wholeUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

/** "$12.40"; amounts under a cent read "< $0.01" rather than a misleading "$0.00". */
export function formatUsd(amount: number): string {
  if (amount > 0 && amount < 0.01) return "< $0.01";
  return usd.format(amount);
}

/** An estimate, as people say one: "~$31", "~$0.19"; cents only matter under $10. */
export function formatEstimate(amount: number): string {
  if (amount > 0 && amount < 0.01) return "< $0.01";
  return `~${amount >= 10 ? wholeUsd.format(amount) : usd.format(amount)}`;
}

/** "$12.40 of ~$31": spent so far of the estimated total. */
export function spentOfEstimate(soFar: number, total: number): string {
  return `${formatUsd(soFar)} of ${formatEstimate(total)}`;
}

/** What cancelling now means in money, for the Cancel dialog (docs/CONTRACT.md, "Cost"). */
export function spentSentence(job: Pick<FinetuningJob, "cost" | "base_llm">): string {
  const { cost } = job;
  if (cost.usd_per_1m_training_tokens === null) {
    return `The price of ${job.base_llm.model_name} is unknown, so what it has cost so far cannot be estimated.`;
  }
  if (cost.so_far_usd === null || cost.estimated_total_usd === null) return "Nothing spent yet: training has not started.";
  return `Spent so far: ${spentOfEstimate(cost.so_far_usd, cost.estimated_total_usd)}.`;
}

/** The short cost for a table cell or card: "$12.40 of ~$31" while training, "$30.87" once final; null when unknown. */
export function costText(job: Pick<FinetuningJob, "cost">): string | null {
  const { final_usd, so_far_usd, estimated_total_usd } = job.cost;
  if (final_usd !== null) return formatUsd(final_usd);
  if (so_far_usd === null) return null;
  return estimated_total_usd === null ? `${formatUsd(so_far_usd)} so far` : spentOfEstimate(so_far_usd, estimated_total_usd);
}

/** "in 12 min", "in 2 h 5 min", "any moment now". */
export function untilText(iso: string, now: number): string {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
  if (minutes <= 0) return "any moment now";
  if (minutes < 60) return `in ${minutes} min`;
  return `in ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
