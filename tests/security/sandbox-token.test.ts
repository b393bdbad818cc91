import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox, type SandboxFlavor } from "../../server/provider/sandbox";

// Each sandbox's provider API, like its control API, answers only the run's
// key as its bearer and only its own loopback Host: another key (any "sk-…")
// is a 401, and a page in a local browser reaching it through a rebound DNS
// name is a 403, before anything is read or done.

const LIST: Record<SandboxFlavor, string> = { openai: "/v1/fine_tuning/jobs", together: "/v1/fine-tunes" };
const sandboxes = new Map<SandboxFlavor, Sandbox>();

beforeAll(async () => {
  for (const flavor of ["openai", "together"] as const) sandboxes.set(flavor, await startSandbox({ flavor }));
});
afterAll(async () => {
  for (const sandbox of sandboxes.values()) await sandbox.close();
});

/** A raw request, so the Host header can be anything. */
function get(sandbox: Sandbox, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: sandbox.port, path, method: "GET", headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(["openai", "together"] as const)("the %s sandbox's provider API", (flavor) => {
  const sandbox = () => sandboxes.get(flavor)!;
  const host = () => new URL(sandbox().origin).host;

  it("answers the run's key, on its own Host", async () => {
    const res = await get(sandbox(), LIST[flavor], { host: host(), authorization: `Bearer ${sandbox().apiKey}` });
    expect(res.status).toBe(200);
  });

  it("refuses any other key, and no key, with a 401", async () => {
    for (const authorization of ["Bearer sk-sandbox", "Bearer sk-anything-at-all", `Bearer ${sandbox().controlToken}`, ""]) {
      const res = await get(sandbox(), LIST[flavor], authorization ? { host: host(), authorization } : { host: host() });
      expect(res.status).toBe(401);
    }
  });

  it("refuses another Host with a 403, even with the right key", async () => {
    for (const other of [`evil.example:${sandbox().port}`, `localhost.evil.example:${sandbox().port}`, "127.0.0.1"]) {
      const res = await get(sandbox(), LIST[flavor], { host: other, authorization: `Bearer ${sandbox().apiKey}` });
      expect(res.status).toBe(403);
    }
  });

  it("never says the key in an answer", async () => {
    const res = await get(sandbox(), LIST[flavor], { host: host(), authorization: "Bearer wrong" });
    expect(res.body).not.toContain(sandbox().apiKey);
  });
});
