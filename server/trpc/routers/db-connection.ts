import { z } from "zod";
import { createDbConnectionInputSchema, dbConnectionSchema } from "../../connections/schema";
import { createDbConnection, listDbConnections } from "../../connections/service";
import { operatorProcedure, router, viewerProcedure } from "../init";

export const dbConnectionRouter = router({
  create: operatorProcedure
    .meta({ openapi: { method: "POST", path: "/database-connections", tags: ["Database connections"], summary: "Create a database connection", description: "A warehouse whose schema text goes into training prompts." }, successStatus: 201 })
    .input(createDbConnectionInputSchema)
    .output(dbConnectionSchema)
    .mutation(({ ctx, input }) => createDbConnection({ db: ctx.db, input })),

  list: viewerProcedure
    .meta({ openapi: { method: "GET", path: "/database-connections", tags: ["Database connections"], summary: "List database connections" } })
    .output(z.array(dbConnectionSchema)).query(({ ctx }) => listDbConnections({ db: ctx.db })),
});
