import type { Db } from "../db";
import type { Actor } from "./actor";
import { asRole } from "./actor";
import { countRequest } from "../rate-limit/service";
import { authenticateApiKey } from "./api-key";
import { auth, bearerToken } from "./auth";

/**
 * Who is calling: an API key (`Authorization: Bearer …` or `x-api-key`) or a
 * signed-in user's session cookie. Null when neither is present; a key or
 * session that is present but invalid is UNAUTHORIZED.
 */
export async function identifyCaller({ db, headers }: { db: Db; headers: Headers }): Promise<Actor | null> {
  const key = bearerToken(headers.get("authorization")) ?? headers.get("x-api-key");
  if (key) return authenticateApiKey({ db, key });
  if (!headers.get("cookie")) return null;
  const session = await auth().api.getSession({ headers });
  if (!session) return null;
  return { kind: "user", id: session.user.id, email: session.user.email, role: asRole(session.user.role) };
}

/** The subject an actor's requests are counted (and idempotency keys scoped) under. */
export function callerSubject(actor: Actor): string | null {
  if (actor.kind === "api_key") return `key:${actor.id}`;
  if (actor.kind === "user") return `user:${actor.id}`;
  return null;
}

/** identifyCaller, with the request counted against the caller's rate limit. */
export async function authenticate({ db, headers }: { db: Db; headers: Headers }): Promise<Actor | null> {
  const actor = await identifyCaller({ db, headers });
  const subject = actor && callerSubject(actor);
  if (subject) countRequest({ db, subject });
  return actor;
}
