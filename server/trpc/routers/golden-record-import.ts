import { importGoldenRecordsInputSchema, importReportSchema } from "../../golden-records/import-schema";
import { importGoldenRecords } from "../../golden-records/import";
import { operatorProcedure, router } from "../init";

// goldenRecord.import: pasted or uploaded JSONL/CSV, answered with a report of rejected lines.
export const goldenRecordImportRouter = router({
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
