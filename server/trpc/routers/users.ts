import { z } from "zod";
import {
  createUserInputSchema,
  setBannedInputSchema,
  setRoleInputSchema,
  userIdInputSchema,
  userSummarySchema,
} from "../../auth/admin-schema";
import { addUser, listUsers, removeUser, setUserBanned, setUserRole } from "../../auth/admin";
import { adminProcedure, router } from "../init";

// users.*: admins manage accounts (Settings → Users). tRPC only: no REST route.
export const usersRouter = router({
  list: adminProcedure.output(z.array(userSummarySchema)).query(({ ctx }) => listUsers({ db: ctx.db })),
  create: adminProcedure
    .input(createUserInputSchema)
    .output(z.object({ id: z.string(), email: z.string() }))
    .mutation(({ input }) => addUser({ input })),
  setRole: adminProcedure
    .input(setRoleInputSchema)
    .mutation(({ ctx, input }) => setUserRole({ db: ctx.db, actor: ctx.actor, userId: input.user_id, role: input.role })),
  setBanned: adminProcedure
    .input(setBannedInputSchema)
    .mutation(({ ctx, input }) => setUserBanned({ db: ctx.db, actor: ctx.actor, userId: input.user_id, banned: input.banned })),
  remove: adminProcedure
    .input(userIdInputSchema)
    .mutation(({ ctx, input }) => removeUser({ db: ctx.db, actor: ctx.actor, userId: input.user_id })),
});
