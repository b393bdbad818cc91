import { jobIdInputSchema } from "../../../finetuning/schema";
import { jobGuardrailsSchema, setJobGuardrailsInputSchema } from "../../../guardrails/schema";
import { getJobGuardrails, setJobGuardrails } from "../../../guardrails/service";
import { operatorProcedure, router, viewerProcedure } from "../../init";
import { JOBS_TAGS } from "./tags";
import { NO_SUCH_JOB } from "./responses";

// A job's guardrails: the limits that stop it on their own, and what fired.
export const guardrailsRouter = router({
  guardrails: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/finetunings/{finetuning_id}/guardrails",
        tags: JOBS_TAGS,
        summary: "A job's guardrails and what fired",
        errorResponses: NO_SUCH_JOB,
      },
    })
    .input(jobIdInputSchema)
    .output(jobGuardrailsSchema)
    .query(({ ctx, input }) => getJobGuardrails({ db: ctx.db, id: input.finetuning_id })),

  setGuardrails: operatorProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/finetunings/{finetuning_id}/guardrails",
        tags: JOBS_TAGS,
        summary: "Replace an active job's guardrails",
        description: "A rule whose setting changed may fire again; unchanged rules keep their trips.",
        errorResponses: { ...NO_SUCH_JOB, 409: "The job has ended" },
      },
    })
    .input(setJobGuardrailsInputSchema)
    .output(jobGuardrailsSchema)
    .mutation(({ ctx, input }) =>
      setJobGuardrails({ db: ctx.db, actor: ctx.actor, id: input.finetuning_id, guardrails: input.guardrails }),
    ),
});
