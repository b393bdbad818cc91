import { z } from "zod";
import { idSchema } from "./schema";

// The wire shapes of a job's training metrics and checkpoints (docs/CONTRACT.md, "Progress and cost").

export const MAX_POINTS_DEFAULT = 500;

export const metricsInputSchema = z.object({
  finetuning_id: idSchema,
  /** Points per series at most; longer series are downsampled (LTTB), keeping their shape. */
  max_points: z.coerce.number().int().min(3).max(5_000).default(MAX_POINTS_DEFAULT),
});

const pointsSchema = z.array(z.object({ step: z.int().nonnegative(), value: z.number() }));

export const METRIC_SERIES = [
  "train_loss",
  "valid_loss",
  "train_mean_token_accuracy",
  "valid_mean_token_accuracy",
  "full_valid_loss",
] as const;
export type MetricSeries = (typeof METRIC_SERIES)[number];

export const jobMetricsSchema = z.object({
  finetuning_id: z.string(),
  /** Steps stored for the job, before downsampling. */
  raw_count: z.int().nonnegative(),
  total_steps: z.int().positive().nullable(),
  /** Steps whose train loss was not a number (a diverged run): left out of the series. */
  non_finite_count: z.int().nonnegative(),
  /** A job continued from a checkpoint counts its steps from 1 again: its curve continues its parent's at step + step_offset (0 for a fresh job). */
  step_offset: z.int().nonnegative(),
  series: z.object(Object.fromEntries(METRIC_SERIES.map((name) => [name, pointsSchema])) as Record<MetricSeries, typeof pointsSchema>),
});
export type JobMetrics = z.infer<typeof jobMetricsSchema>;

export const checkpointSchema = z.object({
  id: z.string(),
  /** A model id that can be used (or fine-tuned further) as it is. */
  fine_tuned_model_checkpoint: z.string(),
  step_number: z.int().nonnegative(),
  metrics: z.record(z.string(), z.number().nullable()),
  created_at: z.iso.datetime({ offset: true }),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;
