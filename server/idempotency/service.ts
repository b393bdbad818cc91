import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "../db";
import { inPassing } from "../db/in-passing";
import { AppError } from "../errors";
import { withoutSecrets } from "./secrets";
import { IDEMPOTENCY_SETTLED_CHANNEL, SAFETY_RECHECK_MS, watchSettle, type SettleWatch } from "./settled";

// Idempotency-Key (the IETF draft, as Stripe runs it). A key belongs to one
// caller; its row is claimed before the request runs (insert-on-conflict), so
// two requests with the same key never both execute: the second waits for the
// first's response and replays it. Rows live 24 h. Who may send the request
// and whether it counts against the caller's budget is decided before this
// runs (by the transport), replay or not.

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim this old belongs to a process that died mid-request; another request may take it over. */
const STALE_CLAIM_MS = 2 * 60 * 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type StoredResponse = { status: number; body: string | null };
export type IdempotentResult<T> = { replayed: false; response: T } | { replayed: true; response: StoredResponse };

type Claim = { scope: string; key: string; requestHash: string };

/** Auth refusals, rate limits and server failures are not remembered: a retry with the same key runs again. */
function isFinal(status: number): boolean {
  return status < 500 && status !== 401 && status !== 403 && status !== 429;
}

export function isValidIdempotencyKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH && /^[\x21-\x7e]+$/.test(key);
}

export async function runIdempotently<T extends StoredResponse>(args: {
  db: Db;
  scope: string;
  key: string;
  /** What makes two requests the same (route and input); compared by hash. */
  fingerprint: string;
  execute: () => Promise<T>;
  /** How long a second request waits for the first before a 409. */
  waitMs?: number;
  /** Fields of the answer that hold a secret: stored without them (./secrets.ts). */
  secretFields?: readonly string[];
}): Promise<IdempotentResult<T>> {
  const { db, execute } = args;
  const claim: Claim = { scope: args.scope, key: args.key, requestHash: createHash("sha256").update(args.fingerprint).digest("hex") };
  schedulePurge(db);
  const stored = await claimOrReplay(db, claim, Date.now() + (args.waitMs ?? 30_000));
  if (stored) return { replayed: true, response: stored };

  let response: T;
  try {
    response = await execute();
  } catch (error) {
    await release(db, claim);
    throw error;
  }
  if (isFinal(response.status)) {
    await db.idempotencyKey.updateMany({
      where: { scope: claim.scope, key: claim.key, requestHash: claim.requestHash, completedAt: null },
      data: { status: response.status, body: withoutSecrets(response.body, args.secretFields ?? []), completedAt: new Date() },
    });
    await announceSettled(db, claim);
  } else {
    await release(db, claim);
  }
  return { replayed: false, response };
}

/** Null when this request claimed the key and must run; the first response when it is to be replayed. */
async function claimOrReplay(db: Db, claim: Claim, deadline: number): Promise<StoredResponse | null> {
  let watch: SettleWatch | undefined;
  try {
    for (;;) {
      const { count } = await db.idempotencyKey.createMany({ data: [{ ...claim, createdAt: new Date() }], skipDuplicates: true });
      if (count === 1) return null;
      const row = await db.idempotencyKey.findUnique({ where: { scope_key: { scope: claim.scope, key: claim.key } } });
      if (!row) continue; // released since: claim again
      const age = Date.now() - row.createdAt.getTime();
      if (age >= IDEMPOTENCY_TTL_MS) {
        await db.idempotencyKey.deleteMany({ where: { scope: claim.scope, key: claim.key, createdAt: row.createdAt } });
        continue;
      }
      if (row.requestHash !== claim.requestHash) {
        throw new AppError(
          "UNPROCESSABLE_CONTENT",
          "This Idempotency-Key was already used with a different request; use a new key for a new request.",
          { field: "Idempotency-Key" },
        );
      }
      if (row.completedAt && row.status !== null) return { status: row.status, body: row.body };
      if (age >= STALE_CLAIM_MS) {
        const taken = await db.idempotencyKey.updateMany({
          where: { scope: claim.scope, key: claim.key, createdAt: row.createdAt, completedAt: null },
          data: { createdAt: new Date() },
        });
        if (taken.count === 1) return null;
        continue;
      }
      if (Date.now() > deadline) {
        throw new AppError("CONFLICT", "A request with this Idempotency-Key is still running; retry shortly to get its response.", {
          field: "Idempotency-Key",
          retryAfterSeconds: 1,
        });
      }
      if (!watch) {
        // Watch first, then read the row again: a settling in between is not missed.
        watch = await watchSettle(settledId(claim));
        continue;
      }
      await watch.next(Math.min(SAFETY_RECHECK_MS, deadline - Date.now() + 1));
    }
  } finally {
    watch?.stop();
  }
}

/** How a settling names its claim on the channel: a digest, so keys never travel in notifications. */
function settledId(claim: Pick<Claim, "scope" | "key">): string {
  return createHash("sha256").update(`${claim.scope}\n${claim.key}`).digest("hex").slice(0, 32);
}

async function announceSettled(db: Db, claim: Claim): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${IDEMPOTENCY_SETTLED_CHANNEL}, ${settledId(claim)})`.catch((error: unknown) => {
    // Waiters also look on their own every SAFETY_RECHECK_MS.
    console.error(`idempotency: announcing a settled key failed (${(error as Error).message})`);
  });
}

async function release(db: Db, claim: Claim): Promise<void> {
  await db.idempotencyKey.deleteMany({ where: { scope: claim.scope, key: claim.key, requestHash: claim.requestHash, completedAt: null } });
  await announceSettled(db, claim);
}

/** Deletes keys past their 24 h; also done in passing by runIdempotently, at most every ten minutes. */
export async function purgeExpiredIdempotencyKeys({ db, now = new Date() }: { db: Db; now?: Date }): Promise<number> {
  const { count } = await db.idempotencyKey.deleteMany({ where: { createdAt: { lte: new Date(now.getTime() - IDEMPOTENCY_TTL_MS) } } });
  return count;
}

const schedulePurge = inPassing("purging expired idempotency keys", PURGE_EVERY_MS, (db) => purgeExpiredIdempotencyKeys({ db }));
