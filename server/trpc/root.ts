import { createCallerFactory, router } from "./init";
import { dbConnectionRouter } from "./routers/db-connection";
import { finetuningRouter } from "./routers/finetuning";
import { goldenRecordRouter } from "./routers/golden-record";

export const appRouter = router({
  finetuning: finetuningRouter,
  dbConnection: dbConnectionRouter,
  goldenRecord: goldenRecordRouter,
});

/** The API's type, for other TypeScript services' typed clients. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
