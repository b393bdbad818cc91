import { z } from "zod";
import { ALIAS_MAX_LENGTH, idSchema, metadataSchema, modelParametersSchema } from "./schema";

// Continuing from a checkpoint: the wire contract of `finetuning.continueFrom`
// (POST /api/v1/finetunings/{finetuning_id}/continue).

export const continueFromInputSchema = z.object({
  /** The job whose checkpoint to continue from (any status). */
  finetuning_id: idSchema,
  /** The provider's checkpoint id, as `finetuning.checkpoints` lists it. */
  checkpoint_id: z.string().trim().min(1).max(200),
  /** Absent: the parent's parameters; given: these keys replace the parent's (epochs, learning-rate multiplier, …). */
  base_llm: z.object({ model_parameters: modelParametersSchema.nullish() }).nullish(),
  /** Absent: the parent's golden records. */
  golden_records: z.array(idSchema).max(100_000).nullish(),
  alias: z.string().trim().min(1).max(ALIAS_MAX_LENGTH).nullish(),
  metadata: metadataSchema.nullish(),
});
export type ContinueFromInput = z.infer<typeof continueFromInputSchema>;
