import { z } from "zod";
import { idSchema, jobStatusSchema, metadataSchema } from "./schema";

// Bulk cancel's contract (docs/CONTRACT.md, "Bulk cancel").

export const CANCEL_MANY_MAX_JOBS = 1_000;

export const cancelManyFilterSchema = z
  .object({
    db_connection_id: idSchema.optional(),
    status: jobStatusSchema.optional(),
    stopped_by_guardrail: z.boolean().optional(),
  })
  .strict();
export type CancelManyFilter = z.infer<typeof cancelManyFilterSchema>;

export const cancelManyInputSchema = z
  .object({
    ids: z
      .array(idSchema)
      .min(1)
      .max(CANCEL_MANY_MAX_JOBS, `at most ${CANCEL_MANY_MAX_JOBS.toLocaleString("en")} jobs per call; split the selection`)
      .optional(),
    filter: cancelManyFilterSchema.optional(),
    /** Only say what would happen; nothing changes. */
    dry_run: z.boolean().default(false),
    /** Merged into each cancelled job's metadata, as one cancel's. */
    metadata: metadataSchema.nullish(),
  })
  .refine((v) => (v.ids === undefined) !== (v.filter === undefined), { message: "give either ids or filter, not both", path: ["ids"] });
export type CancelManyInput = z.infer<typeof cancelManyInputSchema>;

export const CANCEL_OUTCOMES = [
  "will_cancel",
  "cancelled",
  /** The provider accepted the cancel and has yet to confirm it (the job is cancelling). */
  "cancelling",
  "already_cancelled",
  "already_finished",
  "not_found",
  "provider_unreachable",
  "conflict",
] as const;
export type CancelOutcome = (typeof CANCEL_OUTCOMES)[number];

export const cancelManyResultSchema = z.object({
  finetuning_id: z.string(),
  outcome: z.enum(CANCEL_OUTCOMES),
  /** The job's status after the call (before it, in a dry run); null for an unknown id. */
  status: jobStatusSchema.nullable(),
  /** Why it was not cancelled, in words. */
  reason: z.string().nullable(),
  /** Spent on it so far (final cost once it ended); null when unknown. */
  spent_usd: z.number().nullable(),
});
export type CancelManyResult = z.infer<typeof cancelManyResultSchema>;

export const cancelManyOutputSchema = z.object({
  dry_run: z.boolean(),
  /** How many jobs had each outcome (every outcome present, 0 when none). */
  counts: z.object({
    will_cancel: z.int(),
    cancelled: z.int(),
    cancelling: z.int(),
    already_cancelled: z.int(),
    already_finished: z.int(),
    not_found: z.int(),
    provider_unreachable: z.int(),
    conflict: z.int(),
  } satisfies Record<CancelOutcome, z.ZodInt>),
  /** The money spent so far on the jobs that will be (or were) cancelled. */
  spent_usd: z.number(),
  results: z.array(cancelManyResultSchema),
});
export type CancelManyOutput = z.infer<typeof cancelManyOutputSchema>;
