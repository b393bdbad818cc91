import { createCallerFactory, mergeRouters, router } from "./init";
import { dbConnectionRouter } from "./routers/db-connection";
import { finetuningRouter } from "./routers/finetuning";
import { goldenRecordRouter } from "./routers/golden-record";
import { goldenRecordImportRouter } from "./routers/golden-record-import";

export const appRouter = router({
  finetuning: finetuningRouter,
  dbConnection: dbConnectionRouter,
  goldenRecord: mergeRouters(goldenRecordRouter, goldenRecordImportRouter),
});

/** The API's type, for other TypeScript services' typed clients. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
