import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { securityHeaders } from "../../server/http/security-headers";
import { MAX_BATCH_CALLS } from "../../server/http/trpc";
import { BAD_CREDENTIALS_PER_ADDRESS } from "../../server/rate-limit/failures";
import { makeConnection, makeJob } from "../helpers/factories";
import { rest } from "../helpers/rest";
import { trpc, useSecureApp } from "./app";
import { partialRequest, requestFrom } from "./raw";

const app = useSecureApp({ keyRole: "operator" });

const TWO_MIB = 2 * 1024 * 1024;

function expectSecurityHeaders(headers: Headers | Record<string, unknown>, where: string) {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name] as string | undefined));
  expect(get("content-security-policy"), where).toMatch(/frame-ancestors 'none'/);
  expect(get("content-security-policy"), where).not.toMatch(/unsafe-eval/);
  expect(get("x-frame-options"), where).toBe("DENY");
  expect(get("x-content-type-options"), where).toBe("nosniff");
  expect(get("referrer-policy"), where).toBe("strict-origin-when-cross-origin");
}

describe("finding 3 and headers: every API answer carries the security headers", () => {
  it("on /api/trpc and /api/v1, answered or refused", async () => {
    const job = await makeJob(db(), { status: "running" });
    const auth = { authorization: `Bearer ${app.key}` };
    const answers = {
      "tRPC 200": await fetch(`${app.origin}/api/trpc/finetuning.list?input=%7B%7D`, { headers: auth }),
      "tRPC 401": await fetch(`${app.origin}/api/trpc/finetuning.list?input=%7B%7D`),
      "REST 200": await fetch(`${app.origin}/api/v1/finetunings/${job.id}`, { headers: auth }),
      "REST 401": await fetch(`${app.origin}/api/v1/finetunings`, { method: "POST", body: "{}" }),
      "REST 404": await fetch(`${app.origin}/api/v1/nothing-here`, { headers: auth }),
      "auth 404": await fetch(`${app.origin}/api/auth/api-key/create`, { method: "POST", body: "{}" }),
    };
    for (const [where, response] of Object.entries(answers)) expectSecurityHeaders(response.headers, where);
    expect(answers["tRPC 200"].headers.get("strict-transport-security")).toBeNull(); // APP_URL is http here
  });

  it("HSTS when APP_URL is https; pages get the same list from next.config.js", async () => {
    expect(securityHeaders({ dev: false, https: true })["strict-transport-security"]).toMatch(/max-age=\d{7,}/);
    const nextConfigPath = "../../next.config.js"; // plain JS: loaded, not type-checked
    const { pageSecurityHeaders } = (await import(nextConfigPath)) as {
      pageSecurityHeaders: (dev: boolean) => Array<{ key: string; value: string }>;
    };
    for (const dev of [false, true]) {
      const pages = Object.fromEntries(pageSecurityHeaders(dev).map((h) => [h.key.toLowerCase(), h.value]));
      expect(pages).toEqual(securityHeaders({ dev, https: false }));
    }
  });
});

describe("finding 4 and text: NUL and lone surrogates are a 400 naming the field", () => {
  it("POST /api/v1/database-connections with NUL in alias or schema_text", async () => {
    for (const [field, value] of [
      ["alias", "bad\u0000alias"],
      ["schema_text", "CREATE TABLE t (\u0000)"],
      ["alias", "lone \ud800 surrogate"],
    ] as const) {
      const body = { alias: "fine", dialect: "postgresql", schema_text: "CREATE TABLE t (id int)", [field]: value };
      const call = await rest(app.origin, "POST", "/api/v1/database-connections", {
        key: app.key,
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      expect(call.status, `${field}`).toBe(400);
      expect(call.body.error.field).toBe(field);
      expect(call.body.error.message).toContain(field);
    }
  });

  it("the same over tRPC, and in nested fields and keys", async () => {
    const headers = { authorization: `Bearer ${app.key}` };
    const { connection } = await makeConnection(db(), { goldenRecords: 1 });
    const nested = await trpc(
      app.origin,
      "finetuning.create",
      { db_connection_id: connection.id, base_llm: { model_name: "gpt\u0000" } },
      { headers },
    );
    expect(nested.status).toBe(400);
    expect(nested.body.error.data.field).toBe("base_llm.model_name");
    const key = await trpc(app.origin, "finetuning.create", { db_connection_id: connection.id, metadata: { "k\u0000": "v" } }, { headers });
    expect(key.status).toBe(400);
    expect(key.body.error.data.field).toMatch(/^metadata\./);
  });
});

describe("redirects: after sign-in only a same-origin path is followed", () => {
  it("sends every off-site or odd `next` to /jobs and keeps real paths", async () => {
    const { safeReturnPath } = await import("../../server/auth/session");
    for (const bad of [
      "//evil.com",
      "/\\evil.com",
      "/\t/evil.com",
      "/%09/evil.com".replace("%09", "\t"),
      "https://evil.com",
      "javascript:alert(1)",
      "/\n/evil.com",
      "\\\\evil.com",
      "",
      undefined,
    ]) {
      expect(safeReturnPath(bad), JSON.stringify(bad)).toBe("/jobs");
    }
    expect(safeReturnPath(["//evil.com", "/jobs/1"])).toBe("/jobs");
    expect(safeReturnPath("/jobs/abc?status=running#top")).toBe("/jobs/abc?status=running#top");
    for (const encoded of ["/%09/evil.com", "/%2F/evil.com", "/%5Cevil.com", "/%E0%A4%A"])
      expect(safeReturnPath(encoded), encoded).toBe("/jobs");
    expect(safeReturnPath("/jobs?q=a%20b")).toBe("/jobs?q=a%20b");
  });
});

describe("work before auth: credentials first, bodies capped", () => {
  it("a 2 MiB body without credentials is refused (401) before it is read, on REST and tRPC", async () => {
    for (const path of ["/api/v1/finetunings", "/api/trpc/finetuning.cancel"]) {
      const declared = await partialRequest({ origin: app.origin, method: "POST", path, declaredLength: TWO_MIB, sent: 1024 });
      expect(declared.status, path).toBe(401);
      const chunked = await partialRequest({ origin: app.origin, method: "POST", path, sent: 1024 });
      expect(chunked.status, path).toBe(401);
    }
  });

  it("a garbage key with a 2 MiB body is refused (401) before the body is read", async () => {
    const answer = await partialRequest({
      origin: app.origin,
      method: "POST",
      path: "/api/trpc/finetuning.cancel",
      headers: { authorization: "Bearer ftcr_garbage" },
      declaredLength: TWO_MIB,
      sent: 10,
    });
    expect(answer.status).toBe(401);
  });

  it("a good key with a body over 1 MiB gets 413 in the one error shape, declared or chunked", async () => {
    const auth = { authorization: `Bearer ${app.key}` };
    const declared = await partialRequest({
      origin: app.origin,
      method: "POST",
      path: "/api/v1/finetunings",
      headers: auth,
      declaredLength: TWO_MIB,
      sent: 10,
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    const big = `{"alias":"${"a".repeat(TWO_MIB)}"}`;
    const chunked = await fetch(`${app.origin}/api/v1/finetunings`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const trpcDeclared = await partialRequest({
      origin: app.origin,
      method: "POST",
      path: "/api/trpc/finetuning.cancel",
      headers: auth,
      declaredLength: TWO_MIB,
      sent: 10,
    });
    expect(trpcDeclared.status).toBe(413);
    const trpcChunked = await fetch(`${app.origin}/api/trpc/finetuning.cancel`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(trpcChunked.status).toBe(413);
  });

  it(`a batch of 50 calls is a 400; ${MAX_BATCH_CALLS} are fine`, async () => {
    const headers = { authorization: `Bearer ${app.key}` };
    const batch = (n: number) => {
      const paths = Array.from({ length: n }, () => "finetuning.list").join(",");
      const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]));
      return fetch(`${app.origin}/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
    };
    expect((await batch(50)).status).toBe(400);
    expect((await batch(MAX_BATCH_CALLS)).status).toBe(200);
    // Without credentials a batch is one 401, not fifty checks.
    const anonymous = await fetch(`${app.origin}/api/trpc/${Array(50).fill("finetuning.cancel").join(",")}?batch=1`, {
      method: "POST",
      body: "{}",
    });
    expect(anonymous.status).toBe(401);
  });

  it(`repeated bad keys from one address are limited: past ${BAD_CREDENTIALS_PER_ADDRESS} a minute, 429 instead of 401`, async () => {
    // An address of this test's own on the loopback range, so no other test's requests share its count.
    const localAddress = `127.0.${(process.pid % 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
    await db().$executeRaw`DELETE FROM rate_limit_buckets WHERE subject = ${`bad-credentials:${localAddress}`}`;
    const call = () =>
      requestFrom({
        origin: app.origin,
        method: "GET",
        path: "/api/v1/finetunings",
        headers: { authorization: "Bearer ftcr_wrong" },
        localAddress,
      });
    const statuses: number[] = [];
    for (let i = 0; i < BAD_CREDENTIALS_PER_ADDRESS + 1; i++) statuses.push((await call()).status);
    expect(statuses.slice(0, BAD_CREDENTIALS_PER_ADDRESS).every((s) => s === 401)).toBe(true);
    const last = await call();
    expect(last.status).toBe(429);
    expect(last.headers["retry-after"]).toMatch(/^\d+$/);
    // A good key from the same address still works.
    const good = await requestFrom({
      origin: app.origin,
      method: "GET",
      path: "/api/v1/finetunings",
      headers: { authorization: `Bearer ${app.key}` },
      localAddress,
    });
    expect(good.status).toBe(200);
  });
});
