import { defaultKeyHasher } from "@better-auth/api-key";
import { auth, bearerToken } from "../auth/auth";
import type { Db } from "../db";

/**
 * Whose Idempotency-Keys these are: the API key (`key:<id>`) or the signed-in
 * user (`user:<id>`). Null when the credentials are missing or not usable; the
 * procedure then answers 401 itself. Counts nothing against the rate limit.
 */
export async function idempotencyScope({ db, headers }: { db: Db; headers: Headers }): Promise<string | null> {
  const key = bearerToken(headers.get("authorization")) ?? headers.get("x-api-key");
  if (key) {
    const row = await db.apikey.findFirst({
      where: {
        key: await defaultKeyHasher(key),
        AND: [{ OR: [{ enabled: true }, { enabled: null }] }, { OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] }],
      },
      select: { id: true },
    });
    return row ? `key:${row.id}` : null;
  }
  if (!headers.get("cookie")) return null;
  const session = await auth().api.getSession({ headers });
  return session ? `user:${session.user.id}` : null;
}
