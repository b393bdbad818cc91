import { z } from "zod";
import { createDbConnectionInputSchema, dbConnectionSchema } from "../../connections/schema";
import { createDbConnection, listDbConnections } from "../../connections/service";
import { connectionGuardrailsSchema, connectionIdInputSchema, setConnectionGuardrailsInputSchema } from "../../guardrails/schema";
import { getConnectionGuardrails, setConnectionGuardrails } from "../../guardrails/service";
import { operatorProcedure, router, viewerProcedure } from "../init";

const CONNECTIONS = ["Database connections"];

// `dbConnection.*`: the warehouses jobs train for, and their default guardrails.
export const dbConnectionRouter = router({
  create: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/database-connections",
        tags: CONNECTIONS,
        summary: "Create a database connection",
        description: "A warehouse whose schema text goes into training prompts.",
      },
      successStatus: 201,
    })
    .input(createDbConnectionInputSchema)
    .output(dbConnectionSchema)
    .mutation(({ ctx, input }) => createDbConnection({ db: ctx.db, input })),

  list: viewerProcedure
    .meta({ openapi: { method: "GET", path: "/database-connections", tags: CONNECTIONS, summary: "List database connections" } })
    .output(z.array(dbConnectionSchema))
    .query(({ ctx }) => listDbConnections({ db: ctx.db })),

  guardrails: viewerProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/database-connections/{db_connection_id}/guardrails",
        tags: CONNECTIONS,
        summary: "A connection's default guardrails",
        errorResponses: { 404: "No such connection" },
      },
    })
    .input(connectionIdInputSchema)
    .output(connectionGuardrailsSchema)
    .query(({ ctx, input }) => getConnectionGuardrails({ db: ctx.db, id: input.db_connection_id })),

  setGuardrails: operatorProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/database-connections/{db_connection_id}/guardrails",
        tags: CONNECTIONS,
        summary: "Replace a connection's default guardrails",
        description: "New jobs on the connection start with these unless they give their own; jobs already made keep theirs.",
        errorResponses: { 404: "No such connection" },
      },
    })
    .input(setConnectionGuardrailsInputSchema)
    .output(connectionGuardrailsSchema)
    .mutation(({ ctx, input }) => setConnectionGuardrails({ db: ctx.db, id: input.db_connection_id, guardrails: input.guardrails })),
});
