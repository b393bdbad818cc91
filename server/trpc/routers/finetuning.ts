import { z } from "zod";
import { cancelJob } from "../../finetuning/cancel";
import { jobChanges } from "../../finetuning/changes";
import { listJobEvents } from "../../finetuning/events";
import {
  cancelJobInputSchema,
  createJobInputSchema,
  finetuningJobSchema,
  idSchema,
  jobEventSchema,
  jobIdInputSchema,
  jobPageSchema,
  listJobsInputSchema,
  updateJobInputSchema,
} from "../../finetuning/schema";
import { createJob, deleteJob, getJob, listJobs, updateJobMetadata } from "../../finetuning/service";
import { enqueueRun } from "../../worker/queue";
import { operatorProcedure, router, viewerProcedure } from "../init";

export const finetuningRouter = router({
  create: operatorProcedure
    .input(createJobInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => createJob({ db: ctx.db, actor: ctx.actor, input, enqueueRun })),

  list: viewerProcedure
    .input(listJobsInputSchema)
    .output(jobPageSchema)
    .query(({ ctx, input }) => listJobs({ db: ctx.db, input })),

  get: viewerProcedure
    .input(jobIdInputSchema)
    .output(finetuningJobSchema)
    .query(({ ctx, input }) => getJob({ db: ctx.db, id: input.finetuning_id })),

  events: viewerProcedure
    .input(jobIdInputSchema)
    .output(z.array(jobEventSchema))
    .query(({ ctx, input }) => listJobEvents({ db: ctx.db, id: input.finetuning_id })),

  cancel: operatorProcedure
    .input(cancelJobInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) =>
      cancelJob({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.finetuning_id, metadata: input.metadata }),
    ),

  update: operatorProcedure
    .input(updateJobInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => updateJobMetadata({ db: ctx.db, actor: ctx.actor, id: input.finetuning_id, metadata: input.metadata })),

  /** Live job changes (server-sent events), fed by Postgres LISTEN/NOTIFY. */
  onChange: viewerProcedure
    .input(z.object({ db_connection_id: idSchema.optional() }).prefault({}))
    .subscription(async function* ({ input, signal }) {
      for await (const change of jobChanges(signal)) {
        if (input.db_connection_id && change.db_connection_id !== input.db_connection_id) continue;
        yield change;
      }
    }),

  delete: operatorProcedure
    .input(jobIdInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => deleteJob({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.finetuning_id })),
});
