import { z } from "zod";
import { cancelSweep, createSweep, getSweep, listSweeps, pauseSweep, resumeSweep } from "../../sweeps/service";
import { createSweepInputSchema, listSweepsInputSchema, sweepIdInputSchema, sweepListSchema, sweepSchema } from "../../sweeps/schema";
import { operatorProcedure, router, viewerProcedure } from "../init";

const TAGS = ["Sweeps"];
const NOT_FOUND = { 404: "No such sweep" };

// `sweep.*`: groups of runs that stop their own losers (server/sweeps/).
export const sweepsRouter = router({
  create: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/sweeps",
        tags: TAGS,
        summary: "Create a sweep",
        description:
          "Starts a group of up to 32 runs over a `grid` (every combination) or a list of `runs` of parameters, on one connection and model. At most `max_concurrent` train at once; the others wait and start as runs end. `early_stopping` (`asha` or `median`, on `metric` from `min_steps`) stops losing runs through the jobs' own pause or cancel, with actor `sweep`. Once the runs have cost `max_cost_usd`, the whole sweep is cancelled. Honours `Idempotency-Key`.",
        errorResponses: { 400: "Invalid grid, runs or parameters", 404: "The database connection does not exist" },
      },
      successStatus: 201,
    })
    .input(createSweepInputSchema)
    .output(sweepSchema)
    .mutation(({ ctx, input }) => createSweep({ db: ctx.db, actor: ctx.actor, input })),

  list: viewerProcedure
    .meta({ openapi: { method: "GET", path: "/sweeps", tags: TAGS, summary: "List sweeps", description: "Newest first." } })
    .input(listSweepsInputSchema)
    .output(sweepListSchema)
    .query(({ ctx, input }) => listSweeps({ db: ctx.db, input })),

  get: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/sweeps/{sweep_id}",
        tags: TAGS,
        summary: "A sweep",
        description:
          "The sweep with its runs (status, parameters, where it was stopped, best metric, cost), its best run and checkpoint, and its cost so far.",
        errorResponses: NOT_FOUND,
      },
    })
    .input(sweepIdInputSchema)
    .output(sweepSchema)
    .query(({ ctx, input }) => getSweep({ db: ctx.db, id: input.sweep_id })),

  cancel: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/sweeps/{sweep_id}/cancel",
        tags: TAGS,
        summary: "Cancel a sweep",
        description:
          "Cancels every active run through the bulk cancel; waiting runs never start. Cancelling a cancelled sweep answers it as it is.",
        errorResponses: { ...NOT_FOUND, 409: "The sweep already completed" },
      },
    })
    .input(sweepIdInputSchema.extend({ reason: z.string().trim().max(500).nullish() }))
    .output(sweepSchema)
    .mutation(({ ctx, input }) =>
      cancelSweep({
        db: ctx.db,
        provider: ctx.provider,
        actor: ctx.actor,
        id: input.sweep_id,
        ...(input.reason ? { reason: input.reason } : {}),
      }),
    ),

  pause: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/sweeps/{sweep_id}/pause",
        tags: TAGS,
        summary: "Pause a sweep",
        description: "No run starts while paused, and the running runs whose provider can pause are paused.",
        errorResponses: { ...NOT_FOUND, 409: "The sweep has ended" },
      },
    })
    .input(sweepIdInputSchema)
    .output(sweepSchema)
    .mutation(({ ctx, input }) => pauseSweep({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.sweep_id })),

  resume: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/sweeps/{sweep_id}/resume",
        tags: TAGS,
        summary: "Resume a sweep",
        description: "Resumes the runs the pause held (not those stopped early) and starts waiting runs in free slots.",
        errorResponses: { ...NOT_FOUND, 409: "The sweep is not paused" },
      },
    })
    .input(sweepIdInputSchema)
    .output(sweepSchema)
    .mutation(({ ctx, input }) => resumeSweep({ db: ctx.db, provider: ctx.provider, actor: ctx.actor, id: input.sweep_id })),
});
