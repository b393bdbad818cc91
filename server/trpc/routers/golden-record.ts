import { z } from "zod";
import {
  createGoldenRecordsInputSchema,
  goldenRecordPageSchema,
  goldenRecordSchema,
  listGoldenRecordsInputSchema,
} from "../../golden-records/schema";
import { createGoldenRecords, listGoldenRecords } from "../../golden-records/service";
import { operatorProcedure, router, viewerProcedure } from "../init";

export const goldenRecordRouter = router({
  createMany: operatorProcedure
    .meta({
      openapi: { method: "POST", path: "/golden-records", tags: ["Golden records"], summary: "Add golden records", description: "Question/SQL pairs a model is trained on, for one database connection.", errorResponses: { 404: "The database connection does not exist" } },
      successStatus: 201,
    })
    .input(createGoldenRecordsInputSchema)
    .output(z.array(goldenRecordSchema))
    .mutation(({ ctx, input }) => createGoldenRecords({ db: ctx.db, input })),

  list: viewerProcedure
    .meta({ openapi: { method: "GET", path: "/golden-records", tags: ["Golden records"], summary: "List a connection's golden records" } })
    .input(listGoldenRecordsInputSchema)
    .output(goldenRecordPageSchema)
    .query(({ ctx, input }) => listGoldenRecords({ db: ctx.db, input })),
});
