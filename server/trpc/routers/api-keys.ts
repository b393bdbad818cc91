import { z } from "zod";
import { apiKeyIdInputSchema, apiKeySummarySchema, createApiKeyInputSchema, createdApiKeySchema } from "../../auth/admin-schema";
import { addKey, listKeys, revokeKey } from "../../auth/admin";
import { adminProcedure, router } from "../init";

// apiKeys.*: only admins make, list and revoke keys (Settings → API keys, or the CLI). tRPC only: no REST route.
export const apiKeysRouter = router({
  list: adminProcedure.output(z.array(apiKeySummarySchema)).query(() => listKeys()),
  create: adminProcedure
    .input(createApiKeyInputSchema)
    .output(createdApiKeySchema)
    .mutation(({ ctx, input }) => addKey({ db: ctx.db, input })),
  revoke: adminProcedure.input(apiKeyIdInputSchema).mutation(({ input }) => revokeKey({ id: input.id })),
});
