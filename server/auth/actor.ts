import type { Db } from "../db";
import type { Actor } from "../finetuning/actor";
import { asRole } from "../finetuning/actor";
import { countRequest } from "../rate-limit/service";
import { authenticateApiKey } from "./api-key";
import { auth, bearerToken } from "./auth";

/**
 * Who is calling, with the request counted against their rate limit: an API
 * key (`Authorization: Bearer …` or `x-api-key`) or a signed-in user's session
 * cookie. Null when neither is present; a key or session that is present but
 * invalid is UNAUTHORIZED.
 */
export async function authenticate({ db, headers }: { db: Db; headers: Headers }): Promise<Actor | null> {
  const key = bearerToken(headers.get("authorization")) ?? headers.get("x-api-key");
  if (key) return authenticateApiKey({ db, key });
  if (!headers.get("cookie")) return null;
  const session = await auth().api.getSession({ headers });
  if (!session) return null;
  countRequest({ db, subject: `user:${session.user.id}` });
  return { kind: "user", id: session.user.id, email: session.user.email, role: asRole(session.user.role) };
}
