import { callerSubject, identifyCaller } from "../auth/caller";
import type { Db } from "../db";

/**
 * Whose Idempotency-Keys these are: the API key (`key:<id>`) or the signed-in
 * user (`user:<id>`). Null when the credentials are missing or not usable; the
 * procedure then answers 401 itself. Counts nothing against the rate limit.
 */
export async function idempotencyScope({ db, headers }: { db: Db; headers: Headers }): Promise<string | null> {
  const actor = await identifyCaller({ db, headers }).catch(() => null);
  return actor ? callerSubject(actor) : null;
}
