import { z } from "zod";
import {
  createGoldenRecordsInputSchema,
  goldenRecordPageSchema,
  goldenRecordSchema,
  listGoldenRecordsInputSchema,
} from "../../golden-records/schema";
import { createGoldenRecords, listGoldenRecords } from "../../golden-records/service";
import { importGoldenRecordsInputSchema, importReportSchema } from "../../golden-records/import-schema";
import { importGoldenRecords } from "../../golden-records/import";
import { operatorProcedure, router, viewerProcedure } from "../init";

// `goldenRecord.*`: the question/SQL pairs a model is trained on.
export const goldenRecordRouter = router({
  createMany: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/golden-records",
        tags: ["Golden records"],
        summary: "Add golden records",
        description: "Question/SQL pairs a model is trained on, for one database connection.",
        errorResponses: { 404: "The database connection does not exist" },
      },
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

  // Pasted or uploaded JSONL/CSV, answered with a report of rejected lines.
  import: operatorProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/golden-records/import",
        tags: ["Golden records"],
        summary: "Import golden records from JSONL or CSV",
        description: "Adds every valid line in one transaction and reports each rejected line with its reason.",
        errorResponses: { 404: "The database connection does not exist" },
      },
    })
    .input(importGoldenRecordsInputSchema)
    .output(importReportSchema)
    .mutation(({ ctx, input }) =>
      importGoldenRecords({ db: ctx.db, dbConnectionId: input.db_connection_id, format: input.format, text: input.text }),
    ),
});
