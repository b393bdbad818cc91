import { priceOf, type PriceTable } from "./prices";
import { trainingExampleCount } from "./validation-split";
import type { JobCost } from "./schema";

// A job's cost in training tokens (docs/CONTRACT.md, "Cost"):
//   estimated total = training file tokens × epochs × price
//   so far          = estimated total × step / total_steps (while it trains)
//   final           = trained_tokens × price (the provider's count, once it ends)
// Prices are per 1M tokens; amounts are rounded to $0.0001. An unknown model's every amount is null.

export type CostInput = {
  /** What the provider reports the job costs (Together's total_price), where it reports it: then that is the cost. */
  reportedPriceUsd?: number | null;
  /** Ended: a reported price is then the final one. */
  finished?: boolean;
  modelName: string;
  modelParameters: unknown;
  /** The job's golden records; a share of them is held out of training (validation-split.ts). */
  goldenRecordCount: number;
  trainingFileTokens: number | null;
  step: number | null;
  totalSteps: number | null;
  trainedTokens: number | null;
};

// OpenAI's cookbook rule for n_epochs "auto": 3 epochs, raised or lowered so
// that examples × epochs lands within [100, 25 000], between 1 and 25 epochs.
const TARGET_EPOCHS = 3;
const MIN_TARGET_EXAMPLES = 100;
const MAX_TARGET_EXAMPLES = 25_000;
const MIN_EPOCHS = 1;
const MAX_EPOCHS = 25;

export function autoEpochs(examples: number): number {
  if (examples <= 0) return TARGET_EPOCHS;
  if (examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) return Math.min(MAX_EPOCHS, Math.ceil(MIN_TARGET_EXAMPLES / examples));
  if (examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) return Math.max(MIN_EPOCHS, Math.floor(MAX_TARGET_EXAMPLES / examples));
  return TARGET_EPOCHS;
}

/** The epochs the job asked for, or what "auto" (or nothing) comes to for its number of examples. */
export function epochsFor(modelParameters: unknown, examples: number): number {
  const asked =
    typeof modelParameters === "object" && modelParameters !== null ? (modelParameters as { n_epochs?: unknown }).n_epochs : undefined;
  const n = typeof asked === "string" && /^\d+$/.test(asked) ? Number(asked) : asked;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : autoEpochs(examples);
}

// To a hundredth of a cent: screens show cents ("< $0.01" for less), and a
// job's first minutes still read as more than nothing.
const toUsd = (tokens: number, usdPerMillion: number) => Math.round((tokens * usdPerMillion) / 100) / 10_000;

export function jobCost(input: CostInput, table?: PriceTable): JobCost {
  const epochs = epochsFor(input.modelParameters, trainingExampleCount(input.goldenRecordCount));
  const price = priceOf(input.modelName, table);
  const unknown: JobCost = {
    so_far_usd: null,
    estimated_total_usd: null,
    final_usd: null,
    currency: "USD",
    source: "price_table",
    usd_per_1m_training_tokens: null,
    training_file_tokens: input.trainingFileTokens,
    n_epochs: epochs,
  };
  const reported = input.reportedPriceUsd ?? null;
  if (reported !== null) {
    // The provider's own figure wins: it is what the bill will say.
    const rounded = Math.round(reported * 10_000) / 10_000;
    return {
      ...unknown,
      source: "provider",
      so_far_usd: rounded,
      estimated_total_usd: input.finished ? rounded : null,
      final_usd: input.finished ? rounded : null,
    };
  }
  if (!price) return unknown;
  const usd = price.usd_per_1m_training_tokens;
  const estimatedTokens = input.trainingFileTokens === null ? null : input.trainingFileTokens * epochs;
  const fraction = input.step !== null && input.totalSteps ? Math.min(1, input.step / input.totalSteps) : null;
  const final = input.trainedTokens === null ? null : toUsd(input.trainedTokens, usd);
  const soFar = final ?? (estimatedTokens === null ? null : toUsd(estimatedTokens * (fraction ?? 0), usd));
  return {
    ...unknown,
    so_far_usd: soFar,
    estimated_total_usd: estimatedTokens === null ? final : toUsd(estimatedTokens, usd),
    final_usd: final,
    usd_per_1m_training_tokens: usd,
  };
}
