import "../helpers/env";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../server/provider/sandbox";
import type { Heartbeat } from "../../server/worker/heartbeat";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { sandboxProvider, togetherSandboxProvider } from "../helpers/provider";

// GET /api/health and /api/ready, answered by the product's handler on a
// loopback port, against a database of this file's own (so no other test's
// worker heartbeat makes it ready) and real sandboxes of both providers.

let server: Server;
let origin = "";
let draining = false;
let databaseUrl = "";
let together: Sandbox;
let closeSandbox = async () => {};
let adminKey = "";
let sandboxKey = "";

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  const { sandbox } = await sandboxProvider();
  ({ sandbox: together } = await togetherSandboxProvider());
  closeSandbox = async () => {
    await sandbox.close();
    await together.close();
  };
  sandboxKey = sandbox.apiKey;
  process.env.OPENAI_API_KEY = sandbox.apiKey;
  process.env.OPENAI_BASE_URL = sandbox.url;
  process.env.TOGETHER_API_KEY = together.apiKey;
  process.env.TOGETHER_BASE_URL = together.url;
  const { createHealthHandler } = await import("../../server/health/handler");
  const { createApiKey } = await import("../../server/auth/admin");
  adminKey = (await createApiKey({ name: "health-admin", role: "admin" })).key;
  const handler = createHealthHandler({ draining: () => draining });
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await closeSandbox();
});

type ReadyBody = { status: string; checks: Record<string, { ok: boolean; detail: string }> };

/** The checks' detail is an admin's to read (strangers get only the status); each answer is checked afresh. */
async function ready(): Promise<{ status: number; body: ReadyBody; text: string }> {
  const { READY_CACHE_MS } = await import("../../server/health/handler");
  await new Promise((resolve) => setTimeout(resolve, READY_CACHE_MS + 50)); // past the previous answer's cache
  const res = await fetch(`${origin}/api/ready`, { headers: { authorization: `Bearer ${adminKey}` } });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as ReadyBody, text };
}

async function startBeating(): Promise<Heartbeat> {
  const { db } = await import("../../server/db");
  const { startHeartbeat } = await import("../../server/worker/heartbeat");
  return startHeartbeat(db());
}

describe("health and readiness", () => {
  it("GET /api/health answers 200 while the process is up, without auth", async () => {
    const res = await fetch(`${origin}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("GET /api/ready is 503 without a live worker, naming the check, and 200 once one beats", async () => {
    const before = await ready();
    expect(before.status).toBe(503);
    expect(before.body.status).toBe("not_ready");
    expect(before.body.checks.worker?.ok).toBe(false);
    expect(before.body.checks.database).toMatchObject({ ok: true });
    expect(before.body.checks.migrations).toMatchObject({ ok: true });
    // Each provider by its own name and mode.
    expect(before.body.checks.provider).toEqual({ ok: true, detail: "openai: sandbox, reachable; together: sandbox, reachable" });

    const heartbeat = await startBeating();
    const after = await ready();
    expect(after.status).toBe(200);
    expect(after.body.status).toBe("ready");
    expect(after.body.checks.worker).toMatchObject({ ok: true, detail: expect.stringContaining("1 alive") as unknown });

    await heartbeat.stop(); // a worker that stops is no longer counted
    expect((await ready()).body.checks.worker?.ok).toBe(false);
  });

  it("says which migration is missing, and never shows the database password or the provider key", async () => {
    const heartbeat = await startBeating();
    const { db } = await import("../../server/db");
    const [last] = await db().$queryRaw<
      Array<{ id: string; migration_name: string }>
    >`SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1`;
    if (!last) throw new Error("no migrations applied");
    await db().$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = ${last.id}`;
    try {
      const { status, body, text } = await ready();
      expect(status).toBe(503);
      expect(body.checks.migrations).toMatchObject({ ok: false, detail: expect.stringContaining(last.migration_name) as unknown });
      const password = new URL(databaseUrl).password;
      if (password) expect(text).not.toContain(password);
      expect(text).not.toContain(sandboxKey);
      expect(text).not.toContain(together.apiKey);
    } finally {
      await db().$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE id = ${last.id}`;
      await heartbeat.stop();
    }
  });

  it("an unreachable provider makes the instance not ready, the check naming which one and its mode", async () => {
    const { db } = await import("../../server/db");
    const { readiness } = await import("../../server/health/readiness");
    const { togetherProviderFor, unreachableProvider } = await import("../helpers/provider");
    const result = await readiness({
      db: db(),
      provider: { openai: unreachableProvider(), together: togetherProviderFor(together) },
      providerBaseUrls: { openai: "https://api.openai.com/v1", together: together.url },
    });
    expect(result.status).toBe("not_ready");
    expect(result.checks.provider.ok).toBe(false);
    expect(result.checks.provider.detail).toMatch(/^openai: real, .+; together: sandbox, reachable$/);
  });

  it("a provider with no base URL is the real one, named as such", async () => {
    const { providerMode } = await import("../../server/health/readiness");
    expect(providerMode(undefined)).toBe("real");
    expect(providerMode("https://api.together.ai/v1")).toBe("real");
    expect(providerMode(together.url)).toBe("sandbox");
  });

  it("while shutting down, /api/ready is 503 so the load balancer stops sending, and /api/health still answers", async () => {
    const heartbeat = await startBeating();
    draining = true;
    try {
      expect((await ready()).status).toBe(503);
      expect((await fetch(`${origin}/api/health`)).status).toBe(200);
    } finally {
      draining = false;
      await heartbeat.stop();
    }
  });
});
