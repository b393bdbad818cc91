import "../helpers/env";
import { createServer } from "node:http";
import { listenHttp } from "../../server/http/listen";
import { createTrpcNodeHandler } from "../../server/http/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFetchAdapters, useSecureApp, type SecureApp } from "./app";
import { rawChunkedRequest } from "./raw";

const app = useSecureApp({ keyRole: "operator" });

describe("review 1: a malformed escape in the path is answered, never a crash", () => {
  it("on /api/trpc, /api/v1 and a page, with and without credentials, and the server keeps answering", async () => {
    for (const path of [
      "/api/trpc/%E0%A4%A",
      "/api/trpc/finetuning.list,%E0%A4%A?batch=1",
      "/api/v1/finetunings/%E0%A4%A",
      "/jobs/%E0%A4%A",
    ]) {
      for (const headers of [{}, { authorization: `Bearer ${app.key}` }] as Array<Record<string, string>>) {
        for (const method of ["GET", "POST"]) {
          const response = await fetch(`${app.origin}${path}`, { method, headers, body: method === "POST" ? "{}" : undefined });
          await response.text();
          expect(response.status, `${method} ${path}`).toBeLessThan(500);
        }
      }
    }
    // Still alive, and the metrics listener did not throw either.
    expect((await fetch(`${app.origin}/api/health`)).status).toBe(200);
  });
});

describe("review 1: the tRPC handlers on their own answer a malformed escape with a 400", () => {
  it("the node handler (as the app server mounts it) and Next's route handler", async () => {
    const handler = createTrpcNodeHandler();
    const server = createServer((req, res) => handler(req, res));
    const port = await listenHttp(server, 0, "127.0.0.1");
    const next = await startFetchAdapters();
    try {
      for (const origin of [`http://127.0.0.1:${port}`, next.origin]) {
        for (const headers of [{}, { authorization: `Bearer ${app.key}` }] as Array<Record<string, string>>) {
          for (const method of ["GET", "POST"]) {
            const response = await fetch(`${origin}/api/trpc/%E0%A4%A`, { method, headers, body: method === "POST" ? "{}" : undefined });
            expect(response.status, `${origin} ${method}`).toBe(400);
            expect(JSON.stringify(await response.json())).toContain("malformed");
          }
        }
      }
    } finally {
      server.closeAllConnections();
      server.close();
      await next.close();
    }
  });
});

describe("review 2: other spellings of an API path reach the same guards or are refused", () => {
  const spellings = [
    "/api/./trpc/finetuning.cancel",
    "/api/x/../trpc/finetuning.cancel",
    "/api/%2e/trpc/finetuning.cancel",
    "/x/../api/trpc/finetuning.cancel",
    "/api//trpc/finetuning.cancel",
    "/api/trpc%2Ffinetuning.cancel",
    "/api/./v1/database-connections",
    "/api/v1%2Fdatabase-connections",
    "/api/finetunings/x/../../v1/database-connections",
  ];
  it("dot segments, empty segments and encoded slashes under /api are a 400 before any body is read", async () => {
    for (const path of spellings) {
      // 64 KiB sent and never the end: only an answer given without reading the body arrives.
      const answer = await rawChunkedRequest({ origin: app.origin, method: "POST", target: path, sent: 64 * 1024 });
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toContain(`"code":"BAD_REQUEST"`);
    }
  });

  it("percent-encoded letters are routed like their plain form: credentials before the body", async () => {
    for (const path of ["/api/%74rpc/finetuning.cancel", "/%61pi/v1/database-connections", "/api/%76%31/database-connections"]) {
      const answer = await rawChunkedRequest({ origin: app.origin, method: "POST", target: path, sent: 64 * 1024 });
      expect(answer.status, path).toBe(401);
    }
  });
});

describe("review 2: Next's route handlers (the fetch adapters) have the node handlers' guards", () => {
  let next: SecureApp;
  beforeAll(async () => {
    next = await startFetchAdapters();
  });
  afterAll(async () => {
    await next.close();
  });

  it("no credentials: 401 before the body is read, on tRPC and REST", async () => {
    for (const target of ["/api/trpc/finetuning.cancel", "/api/v1/database-connections"]) {
      const answer = await rawChunkedRequest({ origin: next.origin, method: "POST", target, sent: 64 * 1024 });
      expect(answer.status, target).toBe(401);
    }
  });

  it("a chunked body past the limit is a 413 as soon as it passes it, never read to its end", async () => {
    const headers = { authorization: `Bearer ${app.key}` };
    for (const target of ["/api/trpc/finetuning.cancel", "/api/v1/database-connections"]) {
      const answer = await rawChunkedRequest({ origin: next.origin, method: "POST", target, headers, sent: 1024 * 1024 + 4096 });
      expect(answer.status, target).toBe(413);
    }
  });

  it("the buffered body still reaches the handler", async () => {
    const headers = { authorization: `Bearer ${app.key}`, "content-type": "application/json" };
    const response = await fetch(`${next.origin}/api/trpc/finetuning.cancel`, {
      method: "POST",
      headers,
      body: JSON.stringify({ finetuning_id: "00000000-0000-4000-8000-000000000000" }),
    });
    expect(response.status).toBe(404);
  });
});
