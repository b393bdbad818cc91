import { z } from "zod";
import { guardrailsSchema, guardrailTripSchema } from "../guardrails/schema";
import { PROVIDER_CAPABILITIES, PROVIDER_NAMES } from "../provider/capabilities";

// What each provider can do is part of the contract the UI reads (it offers only that).
export { cannotReason, capabilitiesOf, PROVIDER_CAPABILITIES, PROVIDER_NAMES, type ProviderName } from "../provider/capabilities";

// The wire contract (docs/CONTRACT.md). tRPC, REST, OpenAPI, the UI and
// the worker all use these schemas; nothing else defines a job's shape.

/** Cancelling is active: the provider has not confirmed the cancel, so the job may still train and bill. */
export const ACTIVE_STATUSES = ["queued", "validating_files", "running", "pausing", "paused", "cancelling"] as const;
export const TERMINAL_STATUSES = ["succeeded", "failed", "cancelled"] as const;
/** Every status, in the order of a job's life (the list's status sort follows it). */
export const JOB_STATUSES = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES] as const;
/** Only a job training at the provider can be paused; a pausing or paused one can be resumed. */
export const PAUSABLE_STATUSES = ["running"] as const satisfies readonly JobStatus[];
export const RESUMABLE_STATUSES = ["pausing", "paused"] as const satisfies readonly JobStatus[];

export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = (typeof JOB_STATUSES)[number];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isActive(status: JobStatus): status is ActiveStatus {
  return (ACTIVE_STATUSES as readonly JobStatus[]).includes(status);
}

/** Succeeded, failed or cancelled: once there, a job's status never changes again. */
export function isTerminal(status: JobStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly JobStatus[]).includes(status);
}

export const CANCELLED_BY_USER_ERROR = "Fine tuning cancelled by the user";
export const MIN_GOLDEN_RECORDS = 10;

export const idSchema = z.uuid({ error: "must be an id (a UUID)" });

export const METADATA_MAX_KEYS = 64;
export const METADATA_MAX_KEY_LENGTH = 64;
export const METADATA_MAX_VALUE_BYTES = 1024;
export const ALIAS_MAX_LENGTH = 128;

export const metadataSchema = z
  .record(
    z.string().min(1, "keys must not be empty").max(METADATA_MAX_KEY_LENGTH, `keys must be at most ${METADATA_MAX_KEY_LENGTH} characters`),
    z
      .string()
      // Characters never outnumber bytes: the byte limit, stated where a schema can read it.
      .max(METADATA_MAX_VALUE_BYTES, { error: `values must be at most ${METADATA_MAX_VALUE_BYTES} bytes`, abort: true })
      .refine((v) => Buffer.byteLength(v, "utf8") <= METADATA_MAX_VALUE_BYTES, `values must be at most ${METADATA_MAX_VALUE_BYTES} bytes`),
  )
  .refine((m) => Object.keys(m).length <= METADATA_MAX_KEYS, `at most ${METADATA_MAX_KEYS} keys`);
export type Metadata = z.infer<typeof metadataSchema>;

const intOrString = z.union([z.int().positive(), z.string().min(1).max(32)]);

/** Which of these a job may set depends on its provider (PROVIDER_CAPABILITIES' `parameters`, checked at create). */
export const modelParametersSchema = z
  .object({
    n_epochs: intOrString.optional(),
    batch_size: intOrString.optional(),
    learning_rate_multiplier: z.union([z.number().positive(), z.string().min(1).max(32)]).optional(),
    /** Together: the learning rate itself (its default 1e-5). */
    learning_rate: z.number().positive().max(1).optional(),
    /** Together: LoRA (true, its default) or full training (false). */
    lora: z.boolean().optional(),
  })
  .strict();
export type ModelParameters = z.infer<typeof modelParametersSchema>;

export const FINE_TUNABLE_MODELS = PROVIDER_CAPABILITIES.openai.models;
export const DEFAULT_MODEL = FINE_TUNABLE_MODELS[0];

export const modelProviderSchema = z.enum(PROVIDER_NAMES);

export const baseLlmSchema = z.object({
  model_provider: modelProviderSchema,
  model_name: z.string().min(1).max(128),
  model_parameters: modelParametersSchema.nullable(),
});

const isoDate = z.iso.datetime({ offset: true });

/** Training progress, from the provider's metrics events; null until the first step is reported. */
export const jobProgressSchema = z.object({
  step: z.int().nonnegative(),
  total_steps: z.int().positive().nullable(),
  /** 0–100, null while total_steps is unknown. */
  percent: z.number().min(0).max(100).nullable(),
  /** The latest losses; null when not reported or not a number (a diverged run). */
  train_loss: z.number().nullable(),
  valid_loss: z.number().nullable(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

/**
 * What the job costs in training tokens at its base model's list price
 * (docs/CONTRACT.md, "Cost"). `usd_per_1m_training_tokens` null means the
 * price is unknown, and then every amount is null: never a made-up number.
 */
export const jobCostSchema = z.object({
  so_far_usd: z.number().nonnegative().nullable(),
  estimated_total_usd: z.number().nonnegative().nullable(),
  final_usd: z.number().nonnegative().nullable(),
  currency: z.literal("USD"),
  /** provider: the provider reported the amount (Together's total_price); price_table: computed from our prices. */
  source: z.enum(["provider", "price_table"]),
  usd_per_1m_training_tokens: z.number().nonnegative().nullable(),
  training_file_tokens: z.int().nonnegative().nullable(),
  n_epochs: z.int().positive().nullable(),
});
export type JobCost = z.infer<typeof jobCostSchema>;

export const jobParentSchema = z.object({
  finetuning_id: z.string(),
  checkpoint_id: z.string(),
  step: z.int().nonnegative(),
});
export type JobParent = z.infer<typeof jobParentSchema>;

export const finetuningJobSchema = z.object({
  id: z.string(),
  alias: z.string().nullable(),
  db_connection_id: z.string(),
  status: jobStatusSchema,
  /** The provider's own status word (e.g. Together's "cancel_requested"); null before the provider job exists. */
  provider_status: z.string().nullable(),
  /** When a cancel the provider accepted was not confirmed in time (it is being re-sent); null otherwise. */
  cancel_stuck_at: isoDate.nullable(),
  error: z.string().nullable(),
  base_llm: baseLlmSchema,
  finetuning_file_id: z.string().nullable(),
  finetuning_job_id: z.string().nullable(),
  model_id: z.string().nullable(),
  created_at: isoDate,
  golden_records: z.array(z.string()),
  metadata: z.record(z.string(), z.string()).nullable(),
  updated_at: isoDate,
  finished_at: isoDate.nullable(),
  cancelled_at: isoDate.nullable(),
  progress: jobProgressSchema.nullable(),
  estimated_finish: isoDate.nullable(),
  trained_tokens: z.int().nonnegative().nullable(),
  cost: jobCostSchema,
  /** The job's guardrails (docs/CONTRACT.md, "Guardrails"); {} when none. */
  guardrails: guardrailsSchema,
  /** Each guardrail that fired, once, with its numbers and what came of it. */
  guardrail_trips: z.array(guardrailTripSchema),
  /** The checkpoint this job continues from (its job, the provider's checkpoint id, its step); null for a fresh job. */
  parent: jobParentSchema.nullable(),
  /** The sweep this job is a run of; null when none. */
  sweep_id: z.string().nullable(),
});
export type FinetuningJob = z.infer<typeof finetuningJobSchema>;

export const cancelJobInputSchema = z.object({
  finetuning_id: idSchema,
  metadata: metadataSchema.nullish(),
});

export const jobIdInputSchema = z.object({ finetuning_id: idSchema });

export const createJobInputSchema = z.object({
  db_connection_id: idSchema,
  alias: z.string().trim().min(1).max(ALIAS_MAX_LENGTH).nullish(),
  base_llm: z
    .object({
      model_provider: modelProviderSchema.default("openai"),
      /** Default: the provider's first model. */
      model_name: z.string().min(1).max(128).optional(),
      model_parameters: modelParametersSchema.nullish(),
    })
    .optional(),
  golden_records: z.array(idSchema).max(100_000).nullish(),
  metadata: metadataSchema.nullish(),
  /** Absent: the connection's default guardrails; given: these instead. */
  guardrails: guardrailsSchema.nullish(),
});
export type CreateJobInput = z.infer<typeof createJobInputSchema>;

export const updateJobInputSchema = z.object({
  finetuning_id: idSchema,
  metadata: metadataSchema,
});

/**
 * The list's orders: a key, "-" for descending. Ties go by created_at then id in
 * the same direction, so every order is a keyset an index serves both ways.
 * `status` follows the lifecycle order of JOB_STATUSES; `progress` is
 * progress.percent and `cost` is cost.so_far_usd, unknown ones sorting below 0.
 */
export const JOB_SORTS = ["-created_at", "created_at", "status", "-status", "progress", "-progress", "cost", "-cost"] as const;
export const jobSortSchema = z.enum(JOB_SORTS);
export type JobSort = (typeof JOB_SORTS)[number];
export const DEFAULT_JOB_SORT = "-created_at" satisfies JobSort;
export const JOB_SEARCH_MAX_LENGTH = 200;
export const LIST_LIMIT_MAX = 100;

export const listJobsInputSchema = z
  .object({
    db_connection_id: idSchema.optional(),
    status: jobStatusSchema.optional(),
    /** "true": only jobs a guardrail paused or cancelled (a string, as in a query). */
    // At most 8 characters: "disabled" is stringbool's longest word.
    stopped_by_guardrail: z.string().max(8).pipe(z.stringbool()).optional(),
    /** Part of the alias (any case), or a whole job id or provider job id. */
    q: z.string().trim().max(JOB_SEARCH_MAX_LENGTH).optional(),
    /** Only the jobs continued from a checkpoint of this job. */
    parent_finetuning_id: idSchema.optional(),
    /** Only the runs of this sweep. */
    sweep_id: idSchema.optional(),
    sort: jobSortSchema.default(DEFAULT_JOB_SORT),
    limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(20),
    cursor: z.string().max(200).optional(),
  })
  // No input at all means the first page of everything.
  .prefault({});
export type ListJobsInput = z.infer<typeof listJobsInputSchema>;

export const jobPageSchema = z.object({
  items: z.array(finetuningJobSchema),
  next_cursor: z.string().nullable(),
});
export type JobPage = z.infer<typeof jobPageSchema>;

export const jobEventSchema = z.object({
  id: z.string(),
  kind: z.enum([
    "status_change",
    "provider_event",
    "metadata_update",
    "deleted",
    "guardrail_triggered",
    "cancel_stuck",
    "sweep_run_stopped",
  ]),
  from_status: jobStatusSchema.nullable(),
  to_status: jobStatusSchema.nullable(),
  actor: z.string(),
  reason: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  at: isoDate,
});
export type JobEvent = z.infer<typeof jobEventSchema>;
