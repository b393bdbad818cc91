import { z } from "zod";
import { ROLES } from "./actor";

// The contract of the admin routes (users and API keys), shared by tRPC and the /settings pages.
// The roles themselves live in ./actor.ts; the pages' forms take them from here, the schema
// module a browser bundle may import.
export { ROLES, roleRank, type Role } from "./actor";

export const roleSchema = z.enum(ROLES);

export const userSummarySchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  banned: z.boolean(),
  must_change_password: z.boolean(),
  created_at: z.iso.datetime(),
});
export type UserSummary = z.infer<typeof userSummarySchema>;

export const createUserInputSchema = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100).optional(),
  role: roleSchema,
  password: z.string().max(256),
});

export const userIdInputSchema = z.object({ user_id: z.uuid() });
export const setRoleInputSchema = userIdInputSchema.extend({ role: roleSchema });
export const setBannedInputSchema = userIdInputSchema.extend({ banned: z.boolean() });

export const apiKeySummarySchema = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  start: z.string().nullable(),
  role: roleSchema.nullable(),
  owner_email: z.string().nullable(),
  enabled: z.boolean(),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable(),
});
export type ApiKeySummaryWire = z.infer<typeof apiKeySummarySchema>;

export const API_KEY_NAME_MAX_LENGTH = 32;

export const createApiKeyInputSchema = z.object({
  name: z.string().trim().min(1).max(API_KEY_NAME_MAX_LENGTH),
  role: roleSchema,
  /** Whose key it is; its rights never exceed this user's. Absent: the system account (like the CLI's keys). */
  owner_id: z.uuid().optional(),
});
export const createdApiKeySchema = z.object({ id: z.uuid(), key: z.string() });
export const apiKeyIdInputSchema = z.object({ id: z.uuid() });
