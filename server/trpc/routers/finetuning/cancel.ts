import { cancelJob } from "../../../finetuning/cancel";
import { cancelManyJobs } from "../../../finetuning/cancel-many";
import { cancelManyInputSchema, cancelManyOutputSchema } from "../../../finetuning/cancel-many-schema";
import { cancelJobInputSchema, finetuningJobSchema } from "../../../finetuning/schema";
import { operatorProcedure, router } from "../../init";
import { JOBS_TAGS } from "./tags";
import { NO_SUCH_JOB, PROVIDER_UNREACHED } from "./responses";

// Stopping jobs: one, or many by ids or a filter.
export const cancelRouter = router({
  cancel: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/finetunings/{finetuning_id}/cancel",
        tags: JOBS_TAGS,
        summary: "Cancel a fine-tuning job",
        description:
          "Stops the training, at any stage, without deleting the job. Request `metadata` is merged into the job's. Cancelling a cancelled job answers it as it is. The body is optional; a `finetuning_id` in it must equal the path's. Honours `Idempotency-Key`.",
        errorResponses: {
          ...NO_SUCH_JOB,
          409: "The job already succeeded or failed",
          ...PROVIDER_UNREACHED,
        },
      },
    })
    .input(cancelJobInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) =>
      cancelJob({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.finetuning_id, metadata: input.metadata }),
    ),

  // "/finetunings/cancel" is a path of its own: the REST layer matches by
  // method too, and no POST "/finetunings/{finetuning_id}" exists to shadow it.
  cancelMany: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/finetunings/cancel",
        tags: JOBS_TAGS,
        summary: "Cancel many fine-tuning jobs",
        description:
          "Cancels the jobs given by `ids` or matching `filter` (at most 1,000; more is a 400), each as one cancel would, and answers a result per job: cancelled, already cancelled or finished, not found, or provider unreachable (the others are still cancelled). `dry_run: true` changes nothing and says what would happen and what was spent so far. Honours `Idempotency-Key`.",
        errorResponses: { 400: "Neither or both of ids and filter, or more than 1,000 jobs" },
      },
    })
    .input(cancelManyInputSchema)
    .output(cancelManyOutputSchema)
    .mutation(({ ctx, input }) => cancelManyJobs({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, input })),
});
