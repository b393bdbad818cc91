import { readFileSync } from "node:fs";
import { z } from "zod";
import { env } from "../env";

// List prices of supervised fine-tuning, in USD per 1M training tokens
// (billed tokens = tokens in the training file × epochs). OpenAI publishes
// them on its pricing page; they change, so each entry says where and when it
// was read, and MODEL_PRICES / MODEL_PRICES_FILE override or extend the table.

export const modelPriceSchema = z.object({
  usd_per_1m_training_tokens: z.number().nonnegative(),
  source: z.string().min(1),
  as_of: z.iso.date(),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

export const priceTableSchema = z.record(z.string().min(1), modelPriceSchema);
export type PriceTable = z.infer<typeof priceTableSchema>;

const OPENAI_PRICING = "https://openai.com/api/pricing/ (Fine-tuning, training)";
const AS_OF = "2025-06-01";
const listed = (usd: number): ModelPrice => ({ usd_per_1m_training_tokens: usd, source: OPENAI_PRICING, as_of: AS_OF });

export const DEFAULT_PRICES: PriceTable = {
  "gpt-4o-mini-2024-07-18": listed(3),
  "gpt-4o-2024-08-06": listed(25),
  "gpt-4.1-2025-04-14": listed(25),
  "gpt-4.1-mini-2025-04-14": listed(5),
  "gpt-4.1-nano-2025-04-14": listed(1.5),
  "gpt-3.5-turbo-0125": listed(8),
};

let cached: PriceTable | undefined;

/** The built-in table, then MODEL_PRICES_FILE's entries, then MODEL_PRICES's (JSON of the same shape). */
export function priceTable(): PriceTable {
  cached ??= buildPriceTable({ file: env().MODEL_PRICES_FILE, json: env().MODEL_PRICES });
  return cached;
}

export function buildPriceTable(overrides: { file?: string | undefined; json?: string | undefined }): PriceTable {
  const fromFile = overrides.file ? parseTable(readFileSync(overrides.file, "utf8"), `MODEL_PRICES_FILE (${overrides.file})`) : {};
  const fromEnv = overrides.json ? parseTable(overrides.json, "MODEL_PRICES") : {};
  return { ...DEFAULT_PRICES, ...fromFile, ...fromEnv };
}

function parseTable(text: string, where: string): PriceTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON: expected {"model": {"usd_per_1m_training_tokens": 3, "source": "...", "as_of": "2025-06-01"}}`);
  }
  const parsed = priceTableSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${where} is not a price table: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The price of training a base model, or null when it is not in the table.
 * A fine-tuned model used as the base ("ft:gpt-4o-mini-2024-07-18:org::id")
 * trains at its own base model's price.
 */
export function priceOf(model: string, table: PriceTable = priceTable()): ModelPrice | null {
  const base = model.startsWith("ft:") ? (model.split(":")[1] ?? "") : model;
  return table[base] ?? null;
}
