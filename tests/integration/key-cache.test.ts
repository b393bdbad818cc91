import "../helpers/env";
import { defaultKeyHasher } from "@better-auth/api-key";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../server/auth/actor";
import { createApiKey, createUser, revokeApiKey } from "../../server/auth/admin";
import { authenticateApiKey } from "../../server/auth/api-key";
import { cachedKey } from "../../server/auth/key-cache";
import { createDb, type Db } from "../../server/db";
import { AppError } from "../../server/errors";

// Two database clients in one process stand for two app instances: each has its
// own key cache. A change "made elsewhere" is written straight into the
// database with a separate connection, so no hook of this process sees it.
let instanceA: Db;
let instanceB: Db;
let elsewhere: pg.Client;
let users = 0;

beforeAll(async () => {
  instanceA = createDb();
  instanceB = createDb();
  elsewhere = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await elsewhere.connect();
});
afterAll(async () => {
  await Promise.all([instanceA.$disconnect(), instanceB.$disconnect(), elsewhere.end()]);
});

const PROMISED_MS = 1_000;

async function ownedKey(role: "operator" | "admin") {
  const owner = await createUser({
    email: `key-cache-${process.pid}-${Date.now()}-${users++}@example.test`,
    password: "harbor-tinsel-quokka-17",
    role,
  });
  const key = await createApiKey({ name: `key-cache-${users}`, role, ownerId: owner.id });
  return { ownerId: owner.id, ...key };
}

async function check(db: Db, key: string): Promise<Actor | "UNAUTHORIZED"> {
  try {
    return await authenticateApiKey({ db, key });
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") return "UNAUTHORIZED";
    throw error;
  }
}

/** Polls until `seen` holds on both instances; false when the promise's second (plus one poll) passed first. */
async function seenWithinASecond(key: string, seen: (result: Actor | "UNAUTHORIZED") => boolean): Promise<boolean> {
  const deadline = Date.now() + PROMISED_MS;
  for (;;) {
    const results = await Promise.all([check(instanceA, key), check(instanceB, key)]);
    if (results.every(seen)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function warm(key: string, role: string): Promise<void> {
  for (const db of [instanceA, instanceB]) expect(await check(db, key)).toMatchObject({ kind: "api_key", role });
}

describe("cached API keys: changes made on another instance are seen on every instance within a second", () => {
  it("a key revoked elsewhere is refused by both instances", async () => {
    const { id, key } = await ownedKey("operator");
    await warm(key, "operator");
    await elsewhere.query(`UPDATE apikey SET enabled = false WHERE id = $1`, [id]);
    expect(await seenWithinASecond(key, (r) => r === "UNAUTHORIZED")).toBe(true);
  });

  it("an owner demoted elsewhere narrows the key on both instances, and promoted back widens it", async () => {
    const { ownerId, key } = await ownedKey("admin");
    await warm(key, "admin");
    await elsewhere.query(`UPDATE "user" SET role = 'viewer' WHERE id = $1`, [ownerId]);
    expect(await seenWithinASecond(key, (r) => r !== "UNAUTHORIZED" && r.kind === "api_key" && r.role === "viewer")).toBe(true);
    await elsewhere.query(`UPDATE "user" SET role = 'admin' WHERE id = $1`, [ownerId]);
    expect(await seenWithinASecond(key, (r) => r !== "UNAUTHORIZED" && r.kind === "api_key" && r.role === "admin")).toBe(true);
  });

  it("an owner banned elsewhere stops the key on both instances", async () => {
    const { ownerId, key } = await ownedKey("operator");
    await warm(key, "operator");
    await elsewhere.query(`UPDATE "user" SET banned = true WHERE id = $1`, [ownerId]);
    expect(await seenWithinASecond(key, (r) => r === "UNAUTHORIZED")).toBe(true);
  });

  it("a revocation through this instance's own service is seen here at once, with no wait", async () => {
    const { id, key } = await ownedKey("operator");
    await warm(key, "operator");
    expect(await revokeApiKey(id)).toBe(true);
    expect(await check(instanceA, key)).toBe("UNAUTHORIZED");
    expect(await check(instanceB, key)).toBe("UNAUTHORIZED");
  });

  it("remembers a verified key per instance, and never a refused one", async () => {
    const { id, key } = await ownedKey("operator");
    const hashed = await defaultKeyHasher(key);
    expect(cachedKey(instanceA, hashed)).toBeNull();
    await check(instanceA, key);
    expect(cachedKey(instanceA, hashed)).toMatchObject({ id, role: "operator" });
    expect(cachedKey(instanceB, hashed)).toBeNull();
    expect(await check(instanceB, "ftcr_not-a-key")).toBe("UNAUTHORIZED");
    expect(cachedKey(instanceB, await defaultKeyHasher("ftcr_not-a-key"))).toBeNull();
  });
});
