import "../helpers/env";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

// A loopback receiver URL is accepted (nothing is sent to it here).
process.env.WEBHOOK_ALLOW_PRIVATE = "1";
const { keyFor, makeUser, trpc, useSecureApp } = await import("./app");
const { rest } = await import("../helpers/rest");
const { db } = await import("../../server/db");
const { setUserRole } = await import("../../server/auth/admin");
const { collectRoutes } = await import("../../server/http/rest/routes");
const { runIdempotently } = await import("../../server/idempotency/service");
const { appRouter } = await import("../../server/trpc/root");
const { SECRET_WITHHELD } = await import("../../server/idempotency/secrets");

const app = useSecureApp();
const ADMIN = { kind: "system", name: "cli" } as const;

const storedFor = (scope: string) => db().idempotencyKey.findMany({ where: { scope } });

describe("review 3: a viewer's mutation is refused for its role before its input is looked at", () => {
  it("REST: a NUL in the body, with and without Idempotency-Key, is a 403, and nothing is stored", async () => {
    const viewer = await keyFor("viewer");
    const json = { db_connection_id: randomUUID(), alias: "x\u0000y" };
    const plain = await rest(app.origin, "POST", "/api/v1/finetunings", { key: viewer.key, json });
    expect(plain.status).toBe(403);
    for (let i = 0; i < 2; i++) {
      const keyed = await rest(app.origin, "POST", "/api/v1/finetunings", {
        key: viewer.key,
        json,
        headers: { "idempotency-key": "viewer-nul" },
      });
      expect(keyed.status).toBe(403);
      expect(keyed.headers.get("idempotent-replayed")).toBeNull();
    }
    expect(await storedFor(`key:${viewer.id}`)).toEqual([]);
  });

  it("REST: every mutation above viewer answers a viewer 403, whatever its body (broken JSON, wrong type)", async () => {
    const viewer = await keyFor("viewer");
    const routes = collectRoutes(appRouter).filter((r) => r.method !== "GET" && r.role !== undefined && r.role !== "viewer");
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      const path = `/api/v1${route.template.replace(/\{[^}]+\}/g, randomUUID())}`;
      for (const body of ['{"x": "\\u0000', "not json"]) {
        const call = await rest(app.origin, route.method, path, {
          key: viewer.key,
          body,
          headers: { "content-type": "text/plain", "idempotency-key": randomUUID() },
        });
        expect(call.status, `${route.method} ${path} ${body}`).toBe(403);
      }
    }
    expect(await storedFor(`key:${viewer.id}`)).toEqual([]);
  });

  it("tRPC: every mutation above viewer answers a viewer 403 for input with NUL, with and without Idempotency-Key", async () => {
    const viewer = await keyFor("viewer");
    const procedures = Object.entries(
      (appRouter._def as unknown as { procedures: Record<string, { _def: { type: string; meta?: { role?: string } } }> }).procedures,
    ).filter(([, p]) => p._def.type === "mutation" && p._def.meta?.role !== "viewer");
    expect(procedures.length).toBeGreaterThan(10);
    for (const [path] of procedures) {
      for (const headers of [{}, { "idempotency-key": randomUUID() }] as Array<Record<string, string>>) {
        const call = await trpc(app.origin, path, { name: "x\u0000" }, { headers: { authorization: `Bearer ${viewer.key}`, ...headers } });
        expect(call.status, path).toBe(403);
      }
    }
    expect(await storedFor(`key:${viewer.id}`)).toEqual([]);
  });
});

describe("review 3: a replay re-checks the caller's role", () => {
  it("REST: a replay is refused (403) once the owner of the key who made the request is no longer an admin", async () => {
    const owner = await makeUser("admin");
    const { key } = await keyFor("admin", owner.id);
    const send = () =>
      rest(app.origin, "POST", "/api/v1/webhooks/endpoints", {
        key,
        json: { url: "http://127.0.0.1:9/hook", event_types: ["job.cancelled"] },
        headers: { "idempotency-key": "rotate-after-demotion" },
      });
    expect((await send()).status).toBe(201);
    expect((await send()).headers.get("idempotent-replayed")).toBe("true");
    await setUserRole({ db: db(), actor: ADMIN, userId: owner.id, role: "viewer" });
    const replay = await send();
    expect(replay.status).toBe(403);
    expect(replay.text).not.toContain("whsec_");
  });

  it("tRPC: apiKeys.create replayed after the caller's demotion is a 403", async () => {
    const owner = await makeUser("admin");
    const { key } = await keyFor("admin", owner.id);
    const send = () =>
      trpc(
        app.origin,
        "apiKeys.create",
        { name: "replayed", role: "viewer" },
        {
          headers: { authorization: `Bearer ${key}`, "idempotency-key": "key-after-demotion" },
        },
      );
    expect((await send()).status).toBe(200);
    await setUserRole({ db: db(), actor: ADMIN, userId: owner.id, role: "operator" });
    expect((await send()).status).toBe(403);
  });
});

describe("review 3: no secret is kept in idempotency_keys", () => {
  it("a webhook's signing secret (create and rotate) is answered once; the store and the replay have it withheld", async () => {
    const admin = await keyFor("admin");
    const created = await rest(app.origin, "POST", "/api/v1/webhooks/endpoints", {
      key: admin.key,
      json: { url: "http://127.0.0.1:9/hook", event_types: ["job.cancelled"] },
      headers: { "idempotency-key": "secret-create" },
    });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const rotatePath = `/api/v1/webhooks/endpoints/${created.body.endpoint.id as string}/rotate-secret`;
    const rotated = await rest(app.origin, "POST", rotatePath, {
      key: admin.key,
      json: {},
      headers: { "idempotency-key": "secret-rotate" },
    });
    expect(rotated.status).toBe(200);
    const rotatedSecret = rotated.body.secret as string;

    const rows = await storedFor(`key:${admin.id}`);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.body).not.toContain(secret);
      expect(row.body).not.toContain(rotatedSecret);
      expect(row.body).not.toContain("whsec_");
    }
    const replay = await rest(app.origin, "POST", "/api/v1/webhooks/endpoints", {
      key: admin.key,
      json: { url: "http://127.0.0.1:9/hook", event_types: ["job.cancelled"] },
      headers: { "idempotency-key": "secret-create" },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toMatchObject({ endpoint: { id: created.body.endpoint.id }, secret: null, secret_withheld: SECRET_WITHHELD });
  });

  it("a new API key (tRPC apiKeys.create) is answered once; the store and the replay have it withheld", async () => {
    const admin = await keyFor("admin");
    const send = () =>
      trpc(
        app.origin,
        "apiKeys.create",
        { name: "once", role: "viewer" },
        {
          headers: { authorization: `Bearer ${admin.key}`, "idempotency-key": "key-once" },
        },
      );
    const first = await send();
    expect(first.status).toBe(200);
    const made = first.body.result.data.key as string;
    expect(made.length).toBeGreaterThan(20);
    const [row] = await storedFor(`key:${admin.id}`);
    expect(row?.body).not.toContain(made);
    const replay = await send();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.result.data).toMatchObject({ id: first.body.result.data.id, key: null, secret_withheld: SECRET_WITHHELD });
  });
});

describe("review 3: a duplicate waits for a notification, not a 50 ms poll", () => {
  it("while the first request runs for a second, the duplicate reads the key's row a few times, not twenty", async () => {
    let reads = 0;
    const real = db();
    const counted = new Proxy(real, {
      get(target, prop) {
        if (prop !== "idempotencyKey") return Reflect.get(target, prop, target) as unknown;
        const model = target.idempotencyKey;
        return new Proxy(model, {
          get(m, p) {
            const value = Reflect.get(m, p, m) as unknown;
            if (p !== "findUnique" || typeof value !== "function") return value;
            return (...args: unknown[]) => {
              reads++;
              return (value as (...a: unknown[]) => unknown).apply(m, args);
            };
          },
        });
      },
    });
    const scope = `test:${randomUUID()}`;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = runIdempotently({
      db: real,
      scope,
      key: "k",
      fingerprint: "same",
      execute: async () => {
        await held;
        return { status: 200, body: '"first"' };
      },
    });
    // The first has claimed the key once its row exists.
    while ((await real.idempotencyKey.count({ where: { scope } })) === 0) await new Promise((r) => setTimeout(r, 10));
    const second = runIdempotently({
      db: counted,
      scope,
      key: "k",
      fingerprint: "same",
      execute: () => Promise.resolve({ status: 200, body: '"second"' }),
    });
    await new Promise((r) => setTimeout(r, 1_000));
    release();
    await first;
    const replayed = await second;
    expect(replayed).toMatchObject({ replayed: true, response: { body: '"first"' } });
    expect(reads).toBeLessThanOrEqual(4);
  });
});
