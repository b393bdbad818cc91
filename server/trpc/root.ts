import { createCallerFactory, mergeRouters, router } from "./init";
import { apiKeysRouter } from "./routers/admin-api-keys";
import { usersRouter } from "./routers/admin-users";
import { dbConnectionRouter } from "./routers/db-connection";
import { finetuningRouter } from "./routers/finetuning";
import { finetuningProgressRouter } from "./routers/finetuning-progress";
import { connectionGuardrailsRouter, finetuningGuardrailsRouter } from "./routers/guardrails";
import { goldenRecordRouter } from "./routers/golden-record";
import { goldenRecordImportRouter } from "./routers/golden-record-import";
import { webhooksRouter } from "./routers/webhooks";

export const appRouter = router({
  finetuning: mergeRouters(finetuningRouter, finetuningProgressRouter, finetuningGuardrailsRouter),
  dbConnection: mergeRouters(dbConnectionRouter, connectionGuardrailsRouter),
  goldenRecord: mergeRouters(goldenRecordRouter, goldenRecordImportRouter),
  webhooks: webhooksRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
});

/** The API's type, for other TypeScript services' typed clients. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
