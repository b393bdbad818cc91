import type { Db } from "../db";
import { AppError } from "../errors";
import { asRole, roleRank, type Actor, type Role } from "./actor";
import { createApiKey, createUser, listApiKeys, revokeApiKey } from "./admin";
import type { ApiKeySummaryWire, UserSummary } from "./admin-schema";
import { SYSTEM_USER_EMAIL } from "./api-key";
import { invalidateKeyCache } from "./key-cache";

// Users and keys as the /settings pages manage them. Role, ban and removal
// take effect at once on this instance (its cached keys are dropped) and
// within half a second on the others (./key-cache.ts): keys are checked
// against their owner, and a ban or removal also ends the user's sessions.

export async function listUsers({ db }: { db: Db }): Promise<UserSummary[]> {
  const rows = await db.user.findMany({
    where: { email: { not: SYSTEM_USER_EMAIL } },
    select: { id: true, email: true, name: true, role: true, banned: true, mustChangePassword: true, createdAt: true },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((u) => ({ id: u.id, email: u.email, name: u.name, role: asRole(u.role), banned: u.banned === true, must_change_password: u.mustChangePassword, created_at: u.createdAt.toISOString() }));
}

/** A user made by an admin; the admin chose the password, so the user must choose their own at first sign-in. */
export async function addUser({ input }: { input: { email: string; name?: string; role: Role; password: string } }): Promise<{ id: string; email: string }> {
  return createUser({ ...input, mustChangePassword: true });
}

async function otherUser(db: Db, actor: Actor, userId: string): Promise<{ id: string }> {
  if (actor.kind === "user" && actor.id === userId) throw new AppError("BAD_REQUEST", "You cannot change your own role, ban or remove yourself; ask another admin.", { field: "user_id" });
  const user = await db.user.findFirst({ where: { id: userId, email: { not: SYSTEM_USER_EMAIL } }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", `There is no user ${userId}.`, { field: "user_id" });
  return user;
}

export async function setUserRole({ db, actor, userId, role }: { db: Db; actor: Actor; userId: string; role: Role }): Promise<void> {
  await otherUser(db, actor, userId);
  await db.user.update({ where: { id: userId }, data: { role } });
  invalidateKeyCache(); // the user's keys are narrowed here at once, elsewhere within the cache's half second
}

export async function setUserBanned({ db, actor, userId, banned }: { db: Db; actor: Actor; userId: string; banned: boolean }): Promise<void> {
  await otherUser(db, actor, userId);
  await db.$transaction([
    db.user.update({ where: { id: userId }, data: { banned, banReason: banned ? "Banned by an admin" : null, banExpires: null } }),
    ...(banned ? [db.session.deleteMany({ where: { userId } })] : []),
  ]);
  invalidateKeyCache();
}

export async function removeUser({ db, actor, userId }: { db: Db; actor: Actor; userId: string }): Promise<void> {
  await otherUser(db, actor, userId);
  // Sessions, accounts and key grants go with the user (foreign keys); the plugin's key rows are not linked, so they go here.
  await db.$transaction([db.apikey.deleteMany({ where: { referenceId: userId } }), db.user.delete({ where: { id: userId } })]);
  invalidateKeyCache();
}

export async function listKeys(): Promise<ApiKeySummaryWire[]> {
  return (await listApiKeys()).map((k) => ({
    id: k.id,
    name: k.name,
    start: k.start,
    role: k.role,
    owner_email: k.ownerEmail,
    enabled: k.enabled,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
  }));
}

export async function addKey({ db, input }: { db: Db; input: { name: string; role: Role; owner_id?: string } }): Promise<{ id: string; key: string }> {
  if (input.owner_id) {
    const owner = await db.user.findFirst({ where: { id: input.owner_id, email: { not: SYSTEM_USER_EMAIL } }, select: { role: true, banned: true } });
    if (!owner) throw new AppError("NOT_FOUND", `There is no user ${input.owner_id}.`, { field: "owner_id" });
    if (owner.banned) throw new AppError("BAD_REQUEST", "The owner is banned.", { field: "owner_id" });
    if (roleRank(input.role) > roleRank(asRole(owner.role))) {
      throw new AppError("BAD_REQUEST", `A key cannot have more rights than its owner (a ${asRole(owner.role)}).`, { field: "role" });
    }
  }
  return createApiKey({ name: input.name, role: input.role, ownerId: input.owner_id });
}

export async function revokeKey({ id }: { id: string }): Promise<void> {
  if (!(await revokeApiKey(id))) throw new AppError("NOT_FOUND", `There is no API key ${id}.`, { field: "id" });
}
