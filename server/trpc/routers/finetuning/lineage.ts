import { continueFromCheckpoint } from "../../../finetuning/continue-from";
import { continueFromInputSchema } from "../../../finetuning/lineage-schema";
import { finetuningJobSchema } from "../../../finetuning/schema";
import { operatorProcedure, router } from "../../init";
import { JOBS_TAGS } from "./tags";

// A job's lineage: continuing from one of its checkpoints (list children with `finetuning.list`'s parent_finetuning_id).
export const lineageRouter = router({
  continueFrom: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/finetunings/{finetuning_id}/continue",
        tags: JOBS_TAGS,
        summary: "Continue from a checkpoint",
        description:
          "Creates a new job that trains on from one of this job's checkpoints, whatever this job's status. The new job keeps this job's connection, model, golden records and parameters unless `base_llm.model_parameters` (merged over this job's), `golden_records`, `alias` or `metadata` say otherwise, and answers with `parent: { finetuning_id, checkpoint_id, step }`. At OpenAI the checkpoint's `fine_tuned_model_checkpoint` is the new job's base model. Honours `Idempotency-Key`.",
        errorResponses: {
          400: "Invalid parameters or golden records",
          404: "No such job, or no such checkpoint of it",
          409: "The job's provider cannot continue from a checkpoint",
        },
      },
      successStatus: 201,
    })
    .input(continueFromInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => continueFromCheckpoint({ db: ctx.db, actor: ctx.actor, input })),
});
