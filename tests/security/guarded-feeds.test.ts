import "../helpers/env";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The two doors other parts of the product guard, checked here with the rest
// of the security suite: the sandbox's control API, and the live feed.
process.env.LIVE_FEED_MAX_DURATION_MS = "1500";
const { keyFor, startSecureApp } = await import("./app");
const { revokeApiKey } = await import("../../server/auth/admin");
const { startSandbox } = await import("../../server/provider/sandbox");

let app: Awaited<ReturnType<typeof startSecureApp>>;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  app = await startSecureApp();
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});

/** A request with a Host header of our choosing (fetch does not allow setting it). */
function get(origin: string, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("sandbox control: /_sandbox/* needs the run's token and a loopback Host", () => {
  it("refuses a request without the token (401) or from another Host (403), and answers the launcher", async () => {
    const host = new URL(sandbox.origin).host;
    expect(await get(sandbox.origin, "/_sandbox/jobs", { host })).toBe(401);
    expect(await get(sandbox.origin, "/_sandbox/jobs", { host, authorization: "Bearer not-the-token" })).toBe(401);
    expect(await get(sandbox.origin, "/_sandbox/jobs", { host: "evil.example", authorization: `Bearer ${sandbox.controlToken}` })).toBe(
      403,
    );
    expect(await get(sandbox.origin, "/_sandbox/jobs", { host, authorization: `Bearer ${sandbox.controlToken}` })).toBe(200);
  });
});

describe("live feed: a revoked key stops receiving changes", () => {
  it("the connection ends within the feed's maximum duration and the reconnect is refused", async () => {
    const { id, key } = await keyFor("viewer");
    const open = () =>
      fetch(`${app.origin}/api/trpc/finetuning.onChange?input=${encodeURIComponent("{}")}`, {
        headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
      });
    const feed = await open();
    expect(feed.status).toBe(200);
    expect(await revokeApiKey(id)).toBe(true);
    // The server ends the stream on its own (LIVE_FEED_MAX_DURATION_MS); reading it to the end must finish.
    await feed.text();
    expect((await open()).status).toBe(401);
  });
});
