import "server-only";
import type { Db } from "../db";
import { AppError } from "../errors";
import { BAD_CREDENTIALS_PER_ADDRESS, recordFailure } from "../rate-limit/failures";
import { countRequest, noteKeyUse } from "../rate-limit/service";
import type { Actor } from "./actor";
import { asRole } from "./actor";
import { authenticateApiKey } from "./api-key";
import { auth, bearerToken } from "./auth";
import { clientAddressFrom } from "./client-address";
import { databaseUnavailable, isDatabaseUnavailable } from "../db/errors";

export const NEW_PASSWORD_PATH = "/sign-in/new-password";

/** Whether the request carries any credentials at all (an API key or a cookie), read from its headers alone. */
export function hasCredentials(headers: Headers): boolean {
  return Boolean(bearerToken(headers.get("authorization")) ?? headers.get("x-api-key") ?? headers.get("cookie"));
}

/**
 * Who is calling: an API key (`Authorization: Bearer …` or `x-api-key`) or a
 * signed-in user's session cookie. Null when neither is present; a key that
 * is present but invalid is UNAUTHORIZED. A user who must still choose a new
 * password can do nothing else (FORBIDDEN).
 */
export async function identifyCaller({ db, headers }: { db: Db; headers: Headers }): Promise<Actor | null> {
  const key = bearerToken(headers.get("authorization")) ?? headers.get("x-api-key");
  if (key) return authenticateApiKey({ db, key });
  if (!headers.get("cookie")) return null;
  const session = await auth().api.getSession({ headers });
  if (!session) return null;
  if (session.user.mustChangePassword) {
    throw new AppError("FORBIDDEN", `Choose a new password first, at ${NEW_PASSWORD_PATH}.`);
  }
  return { kind: "user", id: session.user.id, email: session.user.email, role: asRole(session.user.role) };
}

/** The subject an actor's Idempotency-Keys are scoped under. */
export function callerSubject(actor: Actor): string | null {
  if (actor.kind === "api_key") return `key:${actor.id}`;
  if (actor.kind === "user") return `user:${actor.id}`;
  return null;
}

/** The subject an actor's requests count under: one budget per user, whichever of its keys or sessions calls. */
export function budgetSubject(actor: Actor): string | null {
  if (actor.kind === "api_key") return actor.budget ?? `key:${actor.id}`;
  if (actor.kind === "user") return `user:${actor.id}`;
  return null;
}

/** Counts a refused key against the client's address; the 429 once the address is past its limit. */
function countBadCredentials({ db, headers }: { db: Db; headers: Headers }): Promise<AppError | null> {
  return recordFailure({
    db,
    limits: [{ subject: `bad-credentials:${clientAddressFrom(headers)}`, max: BAD_CREDENTIALS_PER_ADDRESS }],
    message: "Too many requests with credentials that are not valid from this address.",
  });
}

/**
 * identifyCaller, with the request counted against the caller's budget. A key
 * that is not valid counts against the client's address; past
 * BAD_CREDENTIALS_PER_ADDRESS a minute the answer is 429 instead of 401.
 */
export async function authenticate({ db, headers }: { db: Db; headers: Headers }): Promise<Actor | null> {
  let actor: Actor | null;
  try {
    actor = await identifyCaller({ db, headers });
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") throw (await countBadCredentials({ db, headers })) ?? error;
    throw error;
  }
  const subject = actor && budgetSubject(actor);
  if (subject) countRequest({ db, subject });
  if (actor?.kind === "api_key") noteKeyUse(actor.id);
  return actor;
}

const SIGN_IN_OR_KEY = "Sign in, or send an API key as `Authorization: Bearer <key>`.";

/**
 * For transports that read a body: the caller as authenticate() finds it, from
 * the headers alone, so that a request without usable credentials is refused
 * before its body is read. Missing credentials are UNAUTHORIZED here too.
 */
export async function authenticateBeforeBody({ db, headers }: { db: Db; headers: Headers }): Promise<Actor> {
  if (!hasCredentials(headers)) throw new AppError("UNAUTHORIZED", SIGN_IN_OR_KEY);
  let actor: Actor | null;
  try {
    actor = await authenticate({ db, headers });
  } catch (error) {
    // Down or restarting: the retryable 503 the procedures answer too, not a 500.
    throw isDatabaseUnavailable(error) ? databaseUnavailable(error) : error;
  }
  if (!actor) throw new AppError("UNAUTHORIZED", "The session has ended; sign in again.");
  return actor;
}
