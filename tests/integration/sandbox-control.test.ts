// The sandbox control API (/_sandbox/*) can complete, fail and reset jobs, so
// it answers only its per-run token and only on its own loopback Host.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/server/provider/sandbox";
import { sandboxControl } from "../helpers/provider";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ controlToken: "test-control-token-0123456789" });
});
afterAll(async () => {
  await sandbox.close();
});

/** A raw request, so the Host header can be anything (fetch always sends the URL's). */
function raw(path: string, headers: Record<string, string>, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: sandbox.port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the sandbox control API", () => {
  it("answers 401 without the token or with a wrong one, and 200 with it", async () => {
    expect(sandbox.controlToken).toBe("test-control-token-0123456789");
    const none = await fetch(`${sandbox.origin}/_sandbox/jobs`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: "invalid_control_token" } });
    expect((await fetch(`${sandbox.origin}/_sandbox/reset`, { method: "POST" })).status).toBe(401);
    expect(
      (await fetch(`${sandbox.origin}/_sandbox/jobs`, { headers: { authorization: "Bearer test-control-token-012345678" } })).status,
    ).toBe(401);
    // The OpenAI API key is not the control token.
    expect((await fetch(`${sandbox.origin}/_sandbox/jobs`, { headers: { authorization: "Bearer sk-sandbox" } })).status).toBe(401);
    expect((await sandboxControl(sandbox, "jobs")).status).toBe(200);
  });

  it("answers 403 to another Host, even with the token (a rebound DNS name in a local browser)", async () => {
    const auth = { authorization: `Bearer ${sandbox.controlToken}` };
    expect((await raw("/_sandbox/jobs", { ...auth, host: `127.0.0.1:${sandbox.port}` })).status).toBe(200);
    expect((await raw("/_sandbox/jobs", { ...auth, host: `evil.example:${sandbox.port}` })).status).toBe(403);
    expect((await raw("/_sandbox/jobs", { ...auth, host: `localhost:${sandbox.port}` })).status).toBe(403);
    expect((await raw("/_sandbox/reset", { ...auth, host: "evil.example" }, "POST")).status).toBe(403);
  });

  it("a new sandbox makes a new token when none is given", async () => {
    const other = await startSandbox();
    try {
      expect(other.controlToken).toMatch(/^[\w-]{24,}$/);
      expect(other.controlToken).not.toBe(sandbox.controlToken);
      expect((await fetch(`${other.origin}/_sandbox/jobs`, { headers: { authorization: `Bearer ${sandbox.controlToken}` } })).status).toBe(
        401,
      );
    } finally {
      await other.close();
    }
  });
});
