import type { DbConnection } from "@/server/connections/schema";
import {
  ALIAS_MAX_LENGTH,
  DEFAULT_MODEL,
  METADATA_MAX_KEY_LENGTH,
  METADATA_MAX_KEYS,
  METADATA_MAX_VALUE_BYTES,
  MIN_GOLDEN_RECORDS,
  PROVIDER_CAPABILITIES,
  type CreateJobInput,
  type ModelParameters,
  type ProviderName,
} from "@/server/finetuning/schema";

// The "New job" form as plain data, and its checks with messages a person can act on.
// Limits are the provider's (OpenAI) where they are stricter than our API's.

export type MetadataRow = { rowId: number; key: string; value: string };

export type JobForm = {
  connectionId: string;
  alias: string;
  /** Which provider trains it: the models and parameters offered follow from it. */
  provider: ProviderName;
  model: string;
  epochs: string;
  batchSize: string;
  /** OpenAI: the learning-rate multiplier; Together: the learning rate itself. */
  learningRate: string;
  /** Together only: LoRA (true) or full training. */
  lora: boolean;
  recordsMode: "all" | "chosen";
  chosen: string[];
  metadata: MetadataRow[];
};

export type JobFormField = "connection" | "alias" | "model" | "epochs" | "batchSize" | "learningRate" | "goldenRecords" | "metadata";
export type JobFormErrors = Partial<Record<JobFormField, string>>;

export const EMPTY_JOB_FORM: JobForm = {
  connectionId: "",
  alias: "",
  provider: "openai",
  model: DEFAULT_MODEL,
  epochs: "",
  batchSize: "",
  learningRate: "",
  lora: true,
  recordsMode: "all",
  chosen: [],
  metadata: [],
};

/** Blank → undefined (the default); otherwise a whole number in [1, max], or an error message. */
function parseWhole(raw: string, max: number): number | undefined | string {
  const text = raw.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) return `A whole number from 1 to ${max}, or blank for the default.`;
  return value;
}

function parseMultiplier(raw: string): number | undefined | string {
  const text = raw.trim();
  if (!text || text.toLowerCase() === "auto") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 10) return "A number above 0 and at most 10, or blank for auto.";
  return value;
}

function parseLearningRate(raw: string): number | undefined | string {
  const text = raw.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1) return "A number above 0 and at most 1 (e.g. 0.00001), or blank for the default.";
  return value;
}

/** The form switched to another provider: its first model, and the learning rate cleared (its meaning changed). */
export function withProvider(form: JobForm, provider: ProviderName): JobForm {
  return { ...form, provider, model: PROVIDER_CAPABILITIES[provider].models[0], learningRate: "" };
}

function checkMetadata(rows: MetadataRow[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const [index, row] of rows.entries()) {
    const key = row.key.trim();
    if (!key && !row.value) continue;
    if (!key) return `Row ${index + 1} has a value but no key.`;
    if (key.length > METADATA_MAX_KEY_LENGTH) return `Keys are at most ${METADATA_MAX_KEY_LENGTH} characters (row ${index + 1}).`;
    if (key in out) return `The key “${key}” appears twice.`;
    if (new TextEncoder().encode(row.value).length > METADATA_MAX_VALUE_BYTES) return `Values are at most 1 KiB (“${key}”).`;
    out[key] = row.value;
  }
  if (Object.keys(out).length > METADATA_MAX_KEYS) return `At most ${METADATA_MAX_KEYS} keys.`;
  return out;
}

function checkGoldenRecords(form: JobForm, connection: DbConnection | undefined): string | undefined {
  if (!connection) return undefined;
  if (form.recordsMode === "all") {
    const count = connection.golden_record_count;
    return count < MIN_GOLDEN_RECORDS
      ? `${connection.alias} has ${count} golden ${count === 1 ? "record" : "records"}; fine-tuning needs at least ${MIN_GOLDEN_RECORDS}. Import more on the Connections page.`
      : undefined;
  }
  const n = form.chosen.length;
  return n < MIN_GOLDEN_RECORDS ? `Choose at least ${MIN_GOLDEN_RECORDS} golden records (OpenAI’s minimum); ${n} chosen.` : undefined;
}

/** The errors to show, and the API input when there are none. */
export function checkJobForm(form: JobForm, connection: DbConnection | undefined): { errors: JobFormErrors; input: CreateJobInput | null } {
  const errors: JobFormErrors = {};
  if (!connection) errors.connection = "Choose the database connection to train for.";
  const alias = form.alias.trim();
  if (alias.length > ALIAS_MAX_LENGTH) errors.alias = `At most ${ALIAS_MAX_LENGTH} characters.`;
  if (!form.model) errors.model = "Choose a base model.";

  const epochs = parseWhole(form.epochs, 50);
  const batchSize = parseWhole(form.batchSize, 256);
  const together = form.provider === "together";
  const learningRate = together ? parseLearningRate(form.learningRate) : parseMultiplier(form.learningRate);
  if (typeof epochs === "string") errors.epochs = epochs;
  if (typeof batchSize === "string") errors.batchSize = batchSize;
  if (typeof learningRate === "string") errors.learningRate = learningRate;

  const goldenRecords = checkGoldenRecords(form, connection);
  if (goldenRecords) errors.goldenRecords = goldenRecords;
  const metadata = checkMetadata(form.metadata);
  if (typeof metadata === "string") errors.metadata = metadata;

  if (Object.keys(errors).length > 0 || !connection || typeof metadata === "string") return { errors, input: null };
  const parameters: ModelParameters = {};
  if (typeof epochs === "number") parameters.n_epochs = epochs;
  if (typeof batchSize === "number") parameters.batch_size = batchSize;
  if (typeof learningRate === "number") parameters[together ? "learning_rate" : "learning_rate_multiplier"] = learningRate;
  if (together) parameters.lora = form.lora;
  return {
    errors,
    input: {
      db_connection_id: connection.id,
      alias: alias || null,
      base_llm: {
        model_provider: form.provider,
        model_name: form.model,
        model_parameters: Object.keys(parameters).length ? parameters : null,
      },
      golden_records: form.recordsMode === "chosen" ? form.chosen : null,
      metadata: Object.keys(metadata).length ? metadata : null,
    },
  };
}
