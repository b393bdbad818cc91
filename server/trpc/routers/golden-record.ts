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
    .input(createGoldenRecordsInputSchema)
    .output(z.array(goldenRecordSchema))
    .mutation(({ ctx, input }) => createGoldenRecords({ db: ctx.db, input })),

  list: viewerProcedure
    .input(listGoldenRecordsInputSchema)
    .output(goldenRecordPageSchema)
    .query(({ ctx, input }) => listGoldenRecords({ db: ctx.db, input })),
});
