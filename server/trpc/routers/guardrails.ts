import { cancelManyJobs } from "../../finetuning/cancel-many";
import { cancelManyInputSchema, cancelManyOutputSchema } from "../../finetuning/cancel-many-schema";
import { jobIdInputSchema } from "../../finetuning/schema";
import {
  connectionGuardrailsSchema,
  connectionIdInputSchema,
  jobGuardrailsSchema,
  setConnectionGuardrailsInputSchema,
  setJobGuardrailsInputSchema,
} from "../../guardrails/schema";
import { getConnectionGuardrails, getJobGuardrails, setConnectionGuardrails, setJobGuardrails } from "../../guardrails/service";
import { operatorProcedure, router, viewerProcedure } from "../init";

// Issue 13's procedures: guardrails (merged into `finetuning` and
// `dbConnection`) and bulk cancel (into `finetuning`).

const JOBS = ["Fine-tuning jobs"];

export const finetuningGuardrailsRouter = router({
  // "/finetunings/cancel" is a path of its own: the REST layer matches by
  // method too, and no POST "/finetunings/{finetuning_id}" exists to shadow it.
  cancelMany: operatorProcedure
    .meta({
      openapi: { method: "POST", path: "/finetunings/cancel", tags: JOBS, summary: "Cancel many fine-tuning jobs",
        description: "Cancels the jobs given by `ids` or matching `filter` (at most 1,000; more is a 400), each as one cancel would, and answers a result per job: cancelled, already cancelled or finished, not found, or provider unreachable (the others are still cancelled). `dry_run: true` changes nothing and says what would happen and what was spent so far. Honours `Idempotency-Key`.",
        errorResponses: { 400: "Neither or both of ids and filter, or more than 1,000 jobs" } },
    })
    .input(cancelManyInputSchema)
    .output(cancelManyOutputSchema)
    .mutation(({ ctx, input }) => cancelManyJobs({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, input })),

  guardrails: viewerProcedure
    .meta({ openapi: { method: "GET", path: "/finetunings/{finetuning_id}/guardrails", tags: JOBS, summary: "A job's guardrails and what fired", errorResponses: { 404: "No such job" } } })
    .input(jobIdInputSchema)
    .output(jobGuardrailsSchema)
    .query(({ ctx, input }) => getJobGuardrails({ db: ctx.db, id: input.finetuning_id })),

  setGuardrails: operatorProcedure
    .meta({
      openapi: { method: "PUT", path: "/finetunings/{finetuning_id}/guardrails", tags: JOBS, summary: "Replace an active job's guardrails",
        description: "A rule whose setting changed may fire again; unchanged rules keep their trips.",
        errorResponses: { 404: "No such job", 409: "The job has ended" } },
    })
    .input(setJobGuardrailsInputSchema)
    .output(jobGuardrailsSchema)
    .mutation(({ ctx, input }) => setJobGuardrails({ db: ctx.db, actor: ctx.actor, id: input.finetuning_id, guardrails: input.guardrails })),
});

const CONNECTIONS = ["Database connections"];

export const connectionGuardrailsRouter = router({
  guardrails: viewerProcedure
    .meta({ openapi: { method: "GET", path: "/database-connections/{db_connection_id}/guardrails", tags: CONNECTIONS, summary: "A connection's default guardrails", errorResponses: { 404: "No such connection" } } })
    .input(connectionIdInputSchema)
    .output(connectionGuardrailsSchema)
    .query(({ ctx, input }) => getConnectionGuardrails({ db: ctx.db, id: input.db_connection_id })),

  setGuardrails: operatorProcedure
    .meta({
      openapi: { method: "PUT", path: "/database-connections/{db_connection_id}/guardrails", tags: CONNECTIONS, summary: "Replace a connection's default guardrails",
        description: "New jobs on the connection start with these unless they give their own; jobs already made keep theirs.", errorResponses: { 404: "No such connection" } },
    })
    .input(setConnectionGuardrailsInputSchema)
    .output(connectionGuardrailsSchema)
    .mutation(({ ctx, input }) => setConnectionGuardrails({ db: ctx.db, id: input.db_connection_id, guardrails: input.guardrails })),
});
