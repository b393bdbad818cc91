import { db } from "../db";
import type { Role } from "./actor";
import { auth } from "./auth";

// Owner of API keys made outside any user's session (CLI, seed). It has no
// password, so nobody can sign in as it.
const SYSTEM_USER_EMAIL = "system@controlroom.local";

async function findSystemUser(): Promise<string | null> {
  const existing = await db().user.findUnique({ where: { email: SYSTEM_USER_EMAIL }, select: { id: true } });
  return existing?.id ?? null;
}

async function systemUserId(): Promise<string> {
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

/** Creates an API key with a role; the plain key is returned once and stored only hashed. */
export async function createApiKey({ name, role }: { name: string; role: Role }): Promise<{ id: string; key: string }> {
  const userId = await systemUserId();
  const created = await auth().api.createApiKey({ body: { name, userId, metadata: { role } } });
  return { id: created.id, key: created.key };
}

export async function revokeApiKey(id: string): Promise<boolean> {
  const { count } = await db().apikey.updateMany({ where: { id }, data: { enabled: false } });
  return count === 1;
}

export async function listApiKeys() {
  return db().apikey.findMany({ select: { id: true, name: true, start: true, enabled: true, metadata: true, createdAt: true }, orderBy: { createdAt: "desc" } });
}

export async function createUser(args: { email: string; password: string; role: Role; name?: string }): Promise<{ id: string; email: string }> {
  const { user } = await auth().api.createUser({
    body: { email: args.email, password: args.password, name: args.name ?? args.email.split("@")[0] ?? args.email, role: args.role },
  });
  return { id: user.id, email: user.email };
}
