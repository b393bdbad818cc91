import "../helpers/env";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { IDEMPOTENCY_TTL_MS, purgeExpiredIdempotencyKeys, runIdempotently } from "../../server/idempotency/service";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection, makeJob } from "../helpers/factories";
import { apiKey, rest, startRestServer, type RestServer } from "../helpers/rest";

// Cancels that reach the provider fail fast: nothing listens on port 9.
process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
process.env.PROVIDER_TIMEOUT_MS = "200";
process.env.PROVIDER_CANCEL_DEADLINE_MS = "300";

let api: RestServer;
let operator: string;
beforeAll(async () => {
  api = await startRestServer();
  operator = await apiKey("operator", "idempotency-test");
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

const jobsOf = (dbConnectionId: string) => db().finetuningJob.count({ where: { dbConnectionId } });
const create = (connectionId: string, key: string, opts: { alias?: string; apiKey?: string } = {}) =>
  rest(api.origin, "POST", "/api/v1/finetunings", {
    key: opts.apiKey ?? operator,
    json: { db_connection_id: connectionId, alias: opts.alias ?? "idem" },
    headers: { "idempotency-key": key },
  });

describe("Idempotency-Key on REST POSTs", () => {
  it("replays the first response (status and body, byte for byte) for the same key and body", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const key = randomUUID();
    const first = await create(connection.id, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await create(connection.id, key);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await jobsOf(connection.id)).toBe(1);
    // Key order and whitespace do not make a request different.
    const reordered = await rest(api.origin, "POST", "/api/v1/finetunings", {
      key: operator,
      body: `{ "alias": "idem",\n "db_connection_id": "${connection.id}" }`,
      headers: { "content-type": "application/json", "idempotency-key": key },
    });
    expect(reordered.text).toBe(first.text);
    // A new key is a new request.
    expect((await create(connection.id, randomUUID())).status).toBe(201);
    expect(await jobsOf(connection.id)).toBe(2);
  });

  it("answers 422 when the key is reused with a different body or on another endpoint", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const key = randomUUID();
    expect((await create(connection.id, key, { alias: "one" })).status).toBe(201);
    const different = await create(connection.id, key, { alias: "two" });
    expect(different.status).toBe(422);
    expect(different.body.error).toMatchObject({ code: "UNPROCESSABLE_CONTENT", field: "Idempotency-Key" });
    const job = await makeJob(db(), { status: "running" });
    const elsewhere = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
      key: operator,
      json: {},
      headers: { "idempotency-key": key },
    });
    expect(elsewhere.status).toBe(422);
    expect(await jobsOf(connection.id)).toBe(1);
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");
  });

  it("scopes keys per caller: another API key with the same key runs its own request", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const key = randomUUID();
    const other = await apiKey("operator", "idempotency-other");
    const mine = await create(connection.id, key);
    const theirs = await create(connection.id, key, { apiKey: other });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await jobsOf(connection.id)).toBe(2);
  });

  it("forgets a key after 24 hours, and purges it", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const key = randomUUID();
    const first = await create(connection.id, key);
    const old = new Date(Date.now() - IDEMPOTENCY_TTL_MS - 60_000);
    expect((await db().idempotencyKey.updateMany({ where: { key }, data: { createdAt: old } })).count).toBe(1);
    const later = await create(connection.id, key, { alias: "a different body is fine now" });
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(later.headers.get("idempotent-replayed")).toBeNull();

    await db().idempotencyKey.create({
      data: { scope: "key:expired", key, requestHash: "x", status: 200, body: "{}", createdAt: old, completedAt: old },
    });
    expect(await purgeExpiredIdempotencyKeys({ db: db() })).toBeGreaterThanOrEqual(1);
    expect(await db().idempotencyKey.count({ where: { scope: "key:expired" } })).toBe(0);
    expect(await db().idempotencyKey.count({ where: { key } })).toBe(1);
  });

  it("runs concurrent requests with the same key once; the others replay its response", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const key = randomUUID();
    const calls = await Promise.all(Array.from({ length: 8 }, () => create(connection.id, key)));
    expect(calls.map((c) => c.status)).toEqual(Array(8).fill(201));
    expect(new Set(calls.map((c) => c.text)).size).toBe(1);
    expect(calls.filter((c) => c.headers.get("idempotent-replayed") === "true")).toHaveLength(7);
    expect(await jobsOf(connection.id)).toBe(1);
  });

  it("replays a cancel's 409 but not a 502: a provider failure may be retried with the same key", async () => {
    const done = await makeJob(db(), { status: "succeeded" });
    const key = randomUUID();
    const cancelDone = () =>
      rest(api.origin, "POST", `/api/v1/finetunings/${done.id}/cancel`, { key: operator, json: {}, headers: { "idempotency-key": key } });
    expect((await cancelDone()).status).toBe(409);
    const replay = await cancelDone();
    expect(replay.status).toBe(409);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");

    const stuck = await makeJob(db(), { status: "running", finetuningJobId: `ftjob-${randomUUID()}` });
    const retryKey = randomUUID();
    const cancelStuck = () =>
      rest(api.origin, "POST", `/api/v1/finetunings/${stuck.id}/cancel`, {
        key: operator,
        json: {},
        headers: { "idempotency-key": retryKey },
      });
    expect((await cancelStuck()).status).toBe(502);
    expect(await db().idempotencyKey.count({ where: { key: retryKey } })).toBe(0);
    const retried = await cancelStuck();
    expect(retried.status).toBe(502);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses a malformed key with 400", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    expect((await create(connection.id, "x".repeat(256))).status).toBe(400);
    expect((await create(connection.id, "has space")).status).toBe(400);
    expect(await jobsOf(connection.id)).toBe(0);
  });
});

describe("runIdempotently", () => {
  const scope = () => `test:${randomUUID()}`;

  it("answers 409 to a second request while the first still runs past the wait, then replays", async () => {
    const args = { db: db(), scope: scope(), key: "k", fingerprint: "POST /x\n{}" };
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    let runs = 0;
    const first = runIdempotently({ ...args, execute: async () => (runs++, await gate, { status: 201, body: '{"n":1}' }) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(
      runIdempotently({ ...args, waitMs: 200, execute: () => (runs++, Promise.resolve({ status: 201, body: "{}" })) }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      retryAfterSeconds: 1,
    });
    finish();
    await expect(first).resolves.toEqual({ replayed: false, response: { status: 201, body: '{"n":1}' } });
    await expect(runIdempotently({ ...args, execute: () => Promise.resolve({ status: 500, body: null }) })).resolves.toEqual({
      replayed: true,
      response: { status: 201, body: '{"n":1}' },
    });
    expect(runs).toBe(1);
  });

  it("takes over a claim left by a process that died mid-request", async () => {
    const args = { db: db(), scope: scope(), key: "k", fingerprint: "POST /x\n{}" };
    const hash = (await import("node:crypto")).createHash("sha256").update(args.fingerprint).digest("hex");
    await db().idempotencyKey.create({
      data: { scope: args.scope, key: "k", requestHash: hash, createdAt: new Date(Date.now() - 5 * 60_000) },
    });
    const result = await runIdempotently({ ...args, waitMs: 100, execute: () => Promise.resolve({ status: 200, body: "{}" }) });
    expect(result).toEqual({ replayed: false, response: { status: 200, body: "{}" } });
  });

  it("releases the key when the request throws", async () => {
    const args = { db: db(), scope: scope(), key: "k", fingerprint: "POST /x\n{}" };
    await expect(runIdempotently({ ...args, execute: () => Promise.reject(new Error("boom")) })).rejects.toThrow("boom");
    expect(await db().idempotencyKey.count({ where: { scope: args.scope } })).toBe(0);
  });
});
