import { createCallerFactory, router } from "./init";
import { apiKeysRouter } from "./routers/api-keys";
import { dbConnectionRouter } from "./routers/db-connection";
import { finetuningRouter } from "./routers/finetuning";
import { goldenRecordRouter } from "./routers/golden-record";
import { sweepsRouter } from "./routers/sweeps";
import { usersRouter } from "./routers/users";
import { webhooksRouter } from "./routers/webhooks";

export const appRouter = router({
  finetuning: finetuningRouter,
  sweep: sweepsRouter,
  dbConnection: dbConnectionRouter,
  goldenRecord: goldenRecordRouter,
  webhooks: webhooksRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
});

/** The API's type, for other TypeScript services' typed clients. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
