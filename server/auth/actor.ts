import { AppError } from "../errors";
import { ROLES, type Actor, type Role } from "../finetuning/actor";
import { auth, bearerToken } from "./auth";

function asRole(value: unknown): Role {
  return (ROLES as readonly unknown[]).includes(value) ? (value as Role) : "viewer";
}

/**
 * Who is calling: an API key (`Authorization: Bearer …` or `x-api-key`) or a
 * signed-in user's session cookie. Null when neither is present; a key or
 * session that is present but invalid is UNAUTHORIZED.
 */
export async function resolveActor(headers: Headers): Promise<Actor | null> {
  const key = bearerToken(headers.get("authorization")) ?? headers.get("x-api-key");
  if (key) return verifyApiKey(key);
  if (!headers.get("cookie")) return null;
  const session = await auth().api.getSession({ headers });
  if (!session) return null;
  return { kind: "user", id: session.user.id, email: session.user.email, role: asRole(session.user.role) };
}

async function verifyApiKey(key: string): Promise<Actor> {
  let result;
  try {
    result = await auth().api.verifyApiKey({ body: { key } });
  } catch {
    // better-auth throws on malformed keys; to the caller it is just a bad key.
    throw new AppError("UNAUTHORIZED", "The API key is not valid.");
  }
  if (!result.valid || !result.key) throw new AppError("UNAUTHORIZED", "The API key is not valid, expired or revoked.");
  const metadata = (result.key.metadata ?? {}) as Record<string, unknown>;
  return { kind: "api_key", id: result.key.id, name: result.key.name ?? result.key.id, role: asRole(metadata.role) };
}
