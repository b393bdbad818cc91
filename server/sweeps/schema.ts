import { z } from "zod";
import { idSchema, jobStatusSchema, modelProviderSchema } from "../finetuning/schema";

// The wire contract of sweeps: a named group of runs over a grid (or a list)
// of parameters that stops its own losers (docs/CONTRACT.md, "Sweeps").

export const SWEEP_MAX_RUNS = 32;
export const SWEEP_STATUSES = ["running", "paused", "completed", "cancelled"] as const;
export const sweepStatusSchema = z.enum(SWEEP_STATUSES);
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

export const SWEEP_POLICIES = ["asha", "median", "none"] as const;
/** valid_loss falls back to train_loss for a run that reports no validation loss. */
export const SWEEP_METRICS = ["valid_loss", "train_loss"] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

export const runParametersSchema = z
  .object({
    n_epochs: z.int().min(1).max(50).optional(),
    learning_rate_multiplier: z.number().positive().max(10).optional(),
    batch_size: z.int().min(1).max(256).optional(),
  })
  .strict();
export type RunParameters = z.infer<typeof runParametersSchema>;

const gridSchema = z
  .object({
    n_epochs: z.array(z.int().min(1).max(50)).min(1).max(SWEEP_MAX_RUNS).optional(),
    learning_rate_multiplier: z.array(z.number().positive().max(10)).min(1).max(SWEEP_MAX_RUNS).optional(),
    batch_size: z.array(z.int().min(1).max(256)).min(1).max(SWEEP_MAX_RUNS).optional(),
  })
  .strict();
export type SweepGrid = z.infer<typeof gridSchema>;

export const earlyStoppingSchema = z.object({
  policy: z.enum(SWEEP_POLICIES).default("asha"),
  metric: z.enum(SWEEP_METRICS).default("valid_loss"),
  /** The first milestone (asha: the first rung), in training steps; median: every min_steps steps. */
  min_steps: z.int().min(1).max(1_000_000).default(10),
  /** asha's η: rungs at r, r·η, r·η²…, and the top 1/η of the runs at a rung go on. */
  reduction_factor: z.number().min(1.5).max(10).default(2),
});
export type EarlyStopping = z.infer<typeof earlyStoppingSchema>;

/** The runs a grid spans: every combination, learning-rate multiplier varying fastest. */
export function gridRuns(grid: SweepGrid): RunParameters[] {
  let runs: RunParameters[] = [{}];
  for (const key of ["n_epochs", "batch_size", "learning_rate_multiplier"] as const) {
    const values = grid[key];
    if (!values) continue;
    runs = runs.flatMap((run) => values.map((value) => ({ ...run, [key]: value })));
  }
  return runs;
}

export const createSweepInputSchema = z
  .object({
    name: z.string().trim().min(1).max(128),
    db_connection_id: idSchema,
    base_llm: z
      .object({ model_provider: modelProviderSchema.default("openai"), model_name: z.string().min(1).max(128).optional() })
      .optional(),
    /** Absent: all of the connection's golden records. */
    golden_records: z.array(idSchema).max(100_000).nullish(),
    grid: gridSchema.optional(),
    runs: z.array(runParametersSchema).min(1).max(SWEEP_MAX_RUNS).optional(),
    max_concurrent: z.int().min(1).max(SWEEP_MAX_RUNS).default(4),
    /** The whole sweep stops (its runs cancelled) once its runs have cost this much. */
    max_cost_usd: z.number().positive().max(1_000_000).nullish(),
    early_stopping: earlyStoppingSchema.prefault({}),
  })
  .refine((v) => (v.grid === undefined) !== (v.runs === undefined), { message: "give either grid or runs, not both", path: ["grid"] })
  .refine((v) => !v.grid || gridRuns(v.grid).length <= SWEEP_MAX_RUNS, {
    message: `a grid spans at most ${SWEEP_MAX_RUNS} runs`,
    path: ["grid"],
  });
export type CreateSweepInput = z.infer<typeof createSweepInputSchema>;

export const sweepIdInputSchema = z.object({ sweep_id: idSchema });

export const listSweepsInputSchema = z
  .object({ status: sweepStatusSchema.optional(), limit: z.coerce.number().int().min(1).max(100).default(20) })
  .prefault({});

export const sweepRunSchema = z.object({
  position: z.int().nonnegative(),
  /** null while the run waits for a slot (max_concurrent), or when the sweep ended before it started. */
  finetuning_id: z.string().nullable(),
  parameters: runParametersSchema,
  /** The job's status; `waiting` before it has a job, `skipped` when it never will. */
  status: z.union([jobStatusSchema, z.enum(["waiting", "skipped"])]),
  /** The milestone at which the sweep stopped it; null when it did not. */
  stopped_at_step: z.int().nullable(),
  stopped_reason: z.string().nullable(),
  /** The lowest value of the sweep's metric so far, and its step. */
  best_metric: z.number().nullable(),
  best_step: z.int().nullable(),
  cost_usd: z.number().nullable(),
});
export type SweepRun = z.infer<typeof sweepRunSchema>;

export const sweepSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: sweepStatusSchema,
  db_connection_id: z.string(),
  base_llm: z.object({ model_provider: modelProviderSchema, model_name: z.string() }),
  max_concurrent: z.int().positive(),
  max_cost_usd: z.number().nullable(),
  early_stopping: earlyStoppingSchema,
  /** The steps at which the policy decides (drawn on the compare chart). */
  milestones: z.array(z.int().positive()),
  /** Why it ended other than by its runs ending (the budget, a cancel); null otherwise. */
  end_reason: z.string().nullable(),
  runs: z.array(sweepRunSchema),
  /** The run with the lowest metric and its best checkpoint; null before any run reported one. */
  best: z.object({ finetuning_id: z.string(), checkpoint_id: z.string().nullable(), metric: z.number() }).nullable(),
  cost: z.object({ so_far_usd: z.number().nonnegative() }),
  created_at: z.iso.datetime({ offset: true }),
  ended_at: z.iso.datetime({ offset: true }).nullable(),
});
export type Sweep = z.infer<typeof sweepSchema>;

export const sweepSummarySchema = sweepSchema.omit({ runs: true });
export const sweepListSchema = z.object({ items: z.array(sweepSchema) });
