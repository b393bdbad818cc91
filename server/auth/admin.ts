import "server-only";
import { db, type Db } from "../db";
import { AppError } from "../errors";
import { asRole, roleRank, type Actor, type Role } from "./actor";
import type { ApiKeySummaryWire, UserSummary } from "./admin-schema";
import { SYSTEM_USER_EMAIL } from "./api-key";
import { auth } from "./auth";
import { invalidateKeyCache } from "./key-cache";
import { passwordProblem } from "./password-policy";

// Admin use cases: users and API keys, for the CLI, the seed and the Settings pages. Keys are made only
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
export async function createApiKey({
  name,
  role,
  ownerId,
}: {
  name: string;
  role: Role;
  ownerId?: string;
}): Promise<{ id: string; key: string }> {
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

export type ApiKeySummary = {
  id: string;
  name: string | null;
  start: string | null;
  enabled: boolean;
  role: Role | null;
  ownerEmail: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
};

export async function listApiKeys(): Promise<ApiKeySummary[]> {
  const rows = await db().apikey.findMany({
    select: {
      id: true,
      name: true,
      start: true,
      enabled: true,
      createdAt: true,
      grant: { select: { role: true, lastUsedAt: true, owner: { select: { email: true } } } },
    },
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

export async function createUser(args: {
  email: string;
  password: string;
  role: Role;
  name?: string;
  mustChangePassword?: boolean;
}): Promise<{ id: string; email: string }> {
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

// As the Settings pages manage them: Role, ban and removal
// take effect at once on this instance (its cached keys are dropped) and
// within half a second on the others (./key-cache.ts): keys are checked
// against their owner, and a ban or removal also ends the user's sessions.

export async function listUsers({ db }: { db: Db }): Promise<UserSummary[]> {
  const rows = await db.user.findMany({
    where: { email: { not: SYSTEM_USER_EMAIL } },
    select: { id: true, email: true, name: true, role: true, banned: true, mustChangePassword: true, createdAt: true },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: asRole(u.role),
    banned: u.banned === true,
    must_change_password: u.mustChangePassword,
    created_at: u.createdAt.toISOString(),
  }));
}

/** A user made by an admin; the admin chose the password, so the user must choose their own at first sign-in. */
export async function addUser({
  input,
}: {
  input: { email: string; name?: string; role: Role; password: string };
}): Promise<{ id: string; email: string }> {
  return createUser({ ...input, mustChangePassword: true });
}

async function otherUser(db: Db, actor: Actor, userId: string): Promise<{ id: string }> {
  if (actor.kind === "user" && actor.id === userId)
    throw new AppError("BAD_REQUEST", "You cannot change your own role, ban or remove yourself; ask another admin.", { field: "user_id" });
  const user = await db.user.findFirst({ where: { id: userId, email: { not: SYSTEM_USER_EMAIL } }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", `There is no user ${userId}.`, { field: "user_id" });
  return user;
}

export async function setUserRole({ db, actor, userId, role }: { db: Db; actor: Actor; userId: string; role: Role }): Promise<void> {
  await otherUser(db, actor, userId);
  await db.user.update({ where: { id: userId }, data: { role } });
  invalidateKeyCache(); // the user's keys are narrowed here at once, elsewhere within the cache's half second
}

export async function setUserBanned({
  db,
  actor,
  userId,
  banned,
}: {
  db: Db;
  actor: Actor;
  userId: string;
  banned: boolean;
}): Promise<void> {
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

export async function addKey({
  db,
  input,
}: {
  db: Db;
  input: { name: string; role: Role; owner_id?: string };
}): Promise<{ id: string; key: string }> {
  if (input.owner_id) {
    const owner = await db.user.findFirst({
      where: { id: input.owner_id, email: { not: SYSTEM_USER_EMAIL } },
      select: { role: true, banned: true },
    });
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
