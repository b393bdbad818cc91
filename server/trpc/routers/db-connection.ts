import { z } from "zod";
import { createDbConnectionInputSchema, dbConnectionSchema } from "../../connections/schema";
import { createDbConnection, listDbConnections } from "../../connections/service";
import { operatorProcedure, router, viewerProcedure } from "../init";

export const dbConnectionRouter = router({
  create: operatorProcedure
    .input(createDbConnectionInputSchema)
    .output(dbConnectionSchema)
    .mutation(({ ctx, input }) => createDbConnection({ db: ctx.db, input })),

  list: viewerProcedure.output(z.array(dbConnectionSchema)).query(({ ctx }) => listDbConnections({ db: ctx.db })),
});
