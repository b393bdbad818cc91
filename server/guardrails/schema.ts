import { z } from "zod";
// No import from the job schema: it imports these for the job's wire shape.
const idSchema = z.uuid({ error: "must be an id (a UUID)" });

// Guardrails (docs/CONTRACT.md, "Guardrails"): limits a job is held to, each
// with what to do when it is crossed. A connection's are the defaults its new
// jobs start with; a job's own can be changed while it is active.

export const GUARDRAIL_ACTIONS = ["notify", "pause", "cancel"] as const;
export const guardrailActionSchema = z.enum(GUARDRAIL_ACTIONS);
export type GuardrailAction = z.infer<typeof guardrailActionSchema>;

export const GUARDRAIL_RULES = [
  "max_cost_usd",
  "max_runtime_seconds",
  "max_queue_time_seconds",
  "stall_after_seconds",
  "divergence",
] as const;
export type GuardrailRule = (typeof GUARDRAIL_RULES)[number];

const limit = <T extends z.ZodType>(value: T) => z.object({ limit: value, action: guardrailActionSchema.default("cancel") }).strict();
const seconds = z
  .int()
  .min(1)
  .max(90 * 24 * 3600);

export const guardrailsSchema = z
  .object({
    /** The job's cost so far (docs/CONTRACT.md, "Cost") above this many dollars. */
    max_cost_usd: limit(z.number().positive().max(1_000_000)).nullish(),
    /** Time since the job first ran at the provider. */
    max_runtime_seconds: limit(seconds).nullish(),
    /** Time from creation while it has not started running. */
    max_queue_time_seconds: limit(seconds).nullish(),
    /** Time without a new training step while running. */
    stall_after_seconds: limit(seconds).nullish(),
    /** A NaN train loss, or the train loss above `factor` × its minimum for the last `window` steps. */
    divergence: z
      .object({ factor: z.number().gt(1).max(1_000), window: z.int().min(1).max(10_000), action: guardrailActionSchema.default("cancel") })
      .strict()
      .nullish(),
  })
  .strict();
export type Guardrails = z.infer<typeof guardrailsSchema>;

export const guardrailTripSchema = z.object({
  rule: z.enum(GUARDRAIL_RULES),
  action: guardrailActionSchema,
  /** The rule and its numbers, e.g. "max_cost_usd: $12.40 > $12.00". */
  message: z.string(),
  at: z.iso.datetime({ offset: true }),
  /** pending: the action is still to be done (the provider was unreachable); stopped: the guardrail paused or cancelled the job; notified; skipped: someone or something else moved the job first. */
  outcome: z.enum(["pending", "stopped", "notified", "skipped"]),
});
export type GuardrailTrip = z.infer<typeof guardrailTripSchema>;

export const jobGuardrailsSchema = z.object({
  finetuning_id: z.string(),
  guardrails: guardrailsSchema,
  trips: z.array(guardrailTripSchema),
});
export type JobGuardrails = z.infer<typeof jobGuardrailsSchema>;

export const connectionGuardrailsSchema = z.object({ db_connection_id: z.string(), guardrails: guardrailsSchema });

export const setJobGuardrailsInputSchema = z.object({ finetuning_id: idSchema, guardrails: guardrailsSchema });
export const setConnectionGuardrailsInputSchema = z.object({ db_connection_id: idSchema, guardrails: guardrailsSchema });
export const connectionIdInputSchema = z.object({ db_connection_id: idSchema });

/** Stored JSON back to guardrails; anything unreadable is no guardrails rather than a crash in the sweep. */
export function readGuardrails(value: unknown): Guardrails {
  const parsed = guardrailsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : {};
}

export function hasGuardrails(g: Guardrails): boolean {
  return GUARDRAIL_RULES.some((rule) => g[rule]);
}

/** The stored map of trips ({ rule: trip }) as a list, oldest first. */
export function readTrips(value: unknown): GuardrailTrip[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  const trips = Object.entries(value as Record<string, unknown>).flatMap(([rule, trip]) => {
    const parsed = guardrailTripSchema.safeParse({ ...(trip as object), rule });
    return parsed.success ? [parsed.data] : [];
  });
  return trips.sort((a, b) => a.at.localeCompare(b.at));
}
