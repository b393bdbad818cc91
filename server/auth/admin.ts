import { db } from "../db";
import { AppError } from "../errors";
import type { Role } from "./actor";
import { SYSTEM_USER_EMAIL } from "./api-key";
import { auth } from "./auth";
import { invalidateKeyCache } from "./key-cache";
import { passwordProblem } from "./password-policy";

// Admin use cases shared by the CLI and the admin routes. Keys are made only
// here, server-side: better-auth's own /api-key/* routes are switched off.

async function findSystemUser(): Promise<string | null> {
  const existing = await db().user.findUnique({ where: { email: SYSTEM_USER_EMAIL }, select: { id: true } });
  return existing?.id ?? null;
}

/** Owner of API keys made outside any user's session (CLI, seed). It has no password, so nobody can sign in as it. */
export async function systemUserId(): Promise<string> {
  const existing = await findSystemUser();
  if (existing) return existing;
  try {
    const { user } = await auth().api.createUser({ body: { email: SYSTEM_USER_EMAIL, name: "System", role: "admin" } });
    return user.id;
  } catch (error) {
    // Another process made it first.
    const made = await findSystemUser();
    if (made) return made;
    throw error;
  }
}

/**
 * Creates an API key with a role, owned by `ownerId` (the system account when
 * absent); the plain key is returned once and stored only hashed. The role
 * goes to api_key_grants, never to the plugin's owner-writable metadata.
 */
export async function createApiKey({ name, role, ownerId }: { name: string; role: Role; ownerId?: string }): Promise<{ id: string; key: string }> {
  const userId = ownerId ?? (await systemUserId());
  const created = await auth().api.createApiKey({ body: { name, userId } });
  try {
    await db().apiKeyGrant.create({ data: { apiKeyId: created.id, role, ownerId: userId } });
  } catch (error) {
    // Without its grant the key can do nothing; do not leave it lying around.
    await db().apikey.deleteMany({ where: { id: created.id } });
    throw error;
  }
  return { id: created.id, key: created.key };
}

export async function revokeApiKey(id: string): Promise<boolean> {
  const { count } = await db().apikey.updateMany({ where: { id }, data: { enabled: false } });
  invalidateKeyCache(); // other instances: within the cache's half second
  return count === 1;
}

export type ApiKeySummary = { id: string; name: string | null; start: string | null; enabled: boolean; role: Role | null; ownerEmail: string | null; createdAt: Date; lastUsedAt: Date | null };

export async function listApiKeys(): Promise<ApiKeySummary[]> {
  const rows = await db().apikey.findMany({
    select: { id: true, name: true, start: true, enabled: true, createdAt: true, grant: { select: { role: true, lastUsedAt: true, owner: { select: { email: true } } } } },
    orderBy: { createdAt: "desc" },
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    start: row.start,
    enabled: row.enabled !== false,
    role: (row.grant?.role as Role | undefined) ?? null,
    ownerEmail: row.grant?.owner.email ?? null,
    createdAt: row.createdAt,
    lastUsedAt: row.grant?.lastUsedAt ?? null,
  }));
}

/** The password rule for every account an admin or the CLI makes (12+ characters, not a common one). */
export function assertGoodPassword(password: string, userInputs: string[] = []): void {
  const problem = passwordProblem(password, userInputs);
  if (problem) throw new AppError("BAD_REQUEST", problem, { field: "password" });
}

export async function createUser(args: { email: string; password: string; role: Role; name?: string; mustChangePassword?: boolean }): Promise<{ id: string; email: string }> {
  assertGoodPassword(args.password, [args.email]);
  const { user } = await auth().api.createUser({
    body: {
      email: args.email,
      password: args.password,
      name: args.name ?? args.email.split("@")[0] ?? args.email,
      role: args.role,
      data: { mustChangePassword: args.mustChangePassword ?? false },
    },
  });
  return { id: user.id, email: user.email };
}
