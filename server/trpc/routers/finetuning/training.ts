import { z } from "zod";
import { pauseJob, resumeJob } from "../../../finetuning/pause";
import { getJobMetrics, listJobCheckpoints } from "../../../finetuning/training-curves";
import { checkpointSchema, jobMetricsSchema, metricsInputSchema } from "../../../finetuning/training-curves-schema";
import { finetuningJobSchema, idSchema, jobIdInputSchema } from "../../../finetuning/schema";
import { operatorProcedure, router, viewerProcedure } from "../../init";
import { JOBS_TAGS } from "./tags";
import { NO_SUCH_JOB, PROVIDER_UNREACHED } from "./responses";

const pauseInputSchema = z.object({
  finetuning_id: idSchema,
  /** Why, for the job's event log. */
  reason: z.string().trim().max(500).nullish(),
});

// The training itself: hold it (pause, resume) and read how it goes (curves, checkpoints).
export const trainingRouter = router({
  pause: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/finetunings/{finetuning_id}/pause",
        tags: JOBS_TAGS,
        summary: "Pause a running fine-tuning job",
        description:
          "Pauses the training at the provider; the job answers `pausing` or `paused`. Pausing a pausing or paused job answers it as it is. Cancel works on a paused job. The body is optional. Honours `Idempotency-Key`.",
        errorResponses: {
          ...NO_SUCH_JOB,
          409: "The job is not running (not started at the provider yet, or finished)",
          ...PROVIDER_UNREACHED,
        },
      },
    })
    .input(pauseInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) =>
      pauseJob({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.finetuning_id, reason: input.reason }),
    ),

  resume: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/finetunings/{finetuning_id}/resume",
        tags: JOBS_TAGS,
        summary: "Resume a paused fine-tuning job",
        description:
          "Resumes the training at the provider; the job answers `running` (or `queued`). Resuming a running job answers it as it is. The body is optional. Honours `Idempotency-Key`.",
        errorResponses: {
          ...NO_SUCH_JOB,
          409: "The job is not paused",
          ...PROVIDER_UNREACHED,
        },
      },
    })
    .input(pauseInputSchema)
    .output(finetuningJobSchema)
    .mutation(({ ctx, input }) =>
      resumeJob({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.finetuning_id, reason: input.reason }),
    ),

  metrics: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/finetunings/{finetuning_id}/metrics",
        tags: JOBS_TAGS,
        summary: "A job's training curves",
        description:
          "Loss and token accuracy per step, each series downsampled (LTTB) to at most `max_points` (default 500); `raw_count` is the number of steps stored.",
        errorResponses: NO_SUCH_JOB,
      },
    })
    .input(metricsInputSchema)
    .output(jobMetricsSchema)
    .query(({ ctx, input }) => getJobMetrics({ db: ctx.db, id: input.finetuning_id, maxPoints: input.max_points })),

  checkpoints: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/finetunings/{finetuning_id}/checkpoints",
        tags: JOBS_TAGS,
        summary: "A job's checkpoints",
        description:
          "The provider's checkpoints (one per epoch at OpenAI), oldest first; each `fine_tuned_model_checkpoint` is a usable model id.",
        errorResponses: NO_SUCH_JOB,
      },
    })
    .input(jobIdInputSchema)
    .output(z.array(checkpointSchema))
    .query(({ ctx, input }) => listJobCheckpoints({ db: ctx.db, id: input.finetuning_id })),
});
