import { tracked } from "@trpc/server";
import { z } from "zod";
import { jobChanges } from "../../../finetuning/changes";
import {
  createJobInputSchema,
  finetuningJobSchema,
  idSchema,
  jobEventSchema,
  jobIdInputSchema,
  jobPageSchema,
  listJobsInputSchema,
  updateJobInputSchema,
} from "../../../finetuning/schema";
import { createJob, deleteJob, getJob, listJobEvents, listJobs, updateJobMetadata } from "../../../finetuning/service";
import { operatorProcedure, router, viewerProcedure } from "../../init";
import { JOBS_TAGS } from "./tags";
import { NO_SUCH_JOB } from "./responses";

// A job's own record: make, read, list, relabel, delete, and its live changes.
export const jobsRouter = router({
  create: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/finetunings",
        tags: JOBS_TAGS,
        summary: "Create a fine-tuning job",
        description:
          "Queues a fine-tuning job on a database connection's golden records (all of them unless `golden_records` lists some; at least 10). Honours `Idempotency-Key`.",
        errorResponses: { 404: "The database connection does not exist" },
      },
      successStatus: 201,
    })
    .input(createJobInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => createJob({ db: ctx.db, actor: ctx.actor, input })),

  list: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/finetunings",
        tags: JOBS_TAGS,
        summary: "List fine-tuning jobs",
        description:
          "Newest first, or as `sort` says (ties by `created_at`, then `id`, in the same direction); `q` finds jobs by part of the alias, their id or provider job id. Pass `next_cursor` back as `cursor`, with the same sort, for the next page.",
      },
    })
    .input(listJobsInputSchema)
    .output(jobPageSchema)
    .query(({ ctx, input }) => listJobs({ db: ctx.db, input })),

  get: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/finetunings/{finetuning_id}",
        tags: JOBS_TAGS,
        summary: "Get a fine-tuning job",
        errorResponses: NO_SUCH_JOB,
      },
    })
    .input(jobIdInputSchema)
    .output(finetuningJobSchema)
    .query(({ ctx, input }) => getJob({ db: ctx.db, id: input.finetuning_id })),

  events: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/finetunings/{finetuning_id}/events",
        tags: JOBS_TAGS,
        summary: "A job's event log",
        description: "Every transition: from, to, when, who and why; oldest first.",
        errorResponses: NO_SUCH_JOB,
      },
    })
    .input(jobIdInputSchema)
    .output(z.array(jobEventSchema))
    .query(({ ctx, input }) => listJobEvents({ db: ctx.db, id: input.finetuning_id })),

  update: operatorProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/finetunings/{finetuning_id}",
        tags: JOBS_TAGS,
        summary: "Replace a job's metadata",
        errorResponses: NO_SUCH_JOB,
      },
    })
    .input(updateJobInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => updateJobMetadata({ db: ctx.db, actor: ctx.actor, id: input.finetuning_id, metadata: input.metadata })),

  /**
   * Live job changes (server-sent events), read from the event log: each is
   * tracked by its event id, so a (re)subscription with `lastEventId` first
   * gets every change since. Connections end every LIVE_FEED_MAX_DURATION_MS
   * and the client reconnects, which authenticates the caller again. Asked to
   * start more than MAX_REPLAY_EVENTS behind, the feed starts at the newest
   * change, sent with `refetch: true`: read the page again. A client that
   * stops reading is disconnected.
   */
  onChange: viewerProcedure
    .input(z.object({ db_connection_id: idSchema.optional(), lastEventId: z.string().nullish() }).prefault({}))
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const { eventId, change, refetch } of jobChanges({ lastEventId: input.lastEventId, signal, onSlow: ctx.endConnection })) {
        // A refetch mark is for every subscriber, whatever its filter: its page must be read again.
        if (refetch) yield tracked(String(eventId), { ...change, refetch });
        else if (!input.db_connection_id || change.db_connection_id === input.db_connection_id) yield tracked(String(eventId), change);
      }
    }),

  delete: operatorProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/finetunings/{finetuning_id}",
        tags: JOBS_TAGS,
        summary: "Delete a fine-tuning job",
        description:
          "Removes the job from the list (its event log stays). An active job is cancelled first; the provider's training file is deleted.",
        errorResponses: { ...NO_SUCH_JOB, 502: "The provider could not be reached to cancel the job" },
      },
    })
    .input(jobIdInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) => deleteJob({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.finetuning_id })),
});
