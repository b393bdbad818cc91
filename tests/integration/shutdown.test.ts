import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProductServer } from "../../server/http/serve";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { waitFor } from "../helpers/worker";

// Graceful shutdown: the product's HTTP server (pages stood in for by a 404,
// a slow API mounted for the test) and the worker process on SIGTERM.

const ROOT = path.resolve(import.meta.dirname, "../..");
let databaseUrl = "";
let sandbox: Sandbox;

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  process.env.APP_URL ??= "http://localhost:3999";
  sandbox = await startSandbox({ timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 60_000 } });
});
afterAll(async () => {
  await sandbox.close();
});

type Held = { server: ProductServer; origin: string; arrived: Promise<void>; release: () => void };

/** The product's server with one extra route, /slow, that answers only when released. */
async function serveWithSlowRoute(shutdownTimeoutMs: number): Promise<Held> {
  const { serveProduct } = await import("../../server/http/serve");
  let arrive = () => {};
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = await serveProduct({
    port: 0,
    hostname: "127.0.0.1",
    shutdownTimeoutMs,
    pages: (_req, res) => void res.writeHead(404).end(),
    mounts: [
      {
        prefix: "/slow",
        handler: (_req, res) => {
          arrive();
          void released.then(() => res.writeHead(200, { "content-type": "text/plain" }).end("finished"));
        },
      },
    ],
  });
  return { server, origin: `http://127.0.0.1:${server.port}`, arrived, release };
}

describe("graceful shutdown", () => {
  it("stops taking connections, lets the request in flight finish, then closes", async () => {
    const held = await serveWithSlowRoute(30_000);
    const inFlight = fetch(`${held.origin}/slow`);
    await held.arrived;
    const closing = held.server.close();
    await expect(fetch(`${held.origin}/api/health`)).rejects.toThrow(); // no new connections
    held.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("finished");
    await closing;
  });

  it("cuts a request that outlives the bound, so shutdown always ends", async () => {
    const held = await serveWithSlowRoute(200);
    const inFlight = fetch(`${held.origin}/slow`).then(
      (r) => r.status,
      (error: unknown) => error,
    );
    await held.arrived;
    await held.server.close(); // resolves although /slow never answered
    expect(await inFlight).toBeInstanceOf(Error);
  });

  it("ends live feeds without their final event, so browsers reconnect to another instance", async () => {
    const { createApiKey } = await import("../../server/auth/admin");
    const held = await serveWithSlowRoute(5_000);
    const { key } = await createApiKey({ name: "shutdown-feed", role: "viewer" });
    const res = await fetch(`${held.origin}/api/trpc/finetuning.onChange?input=${encodeURIComponent("{}")}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    let text = "";
    const decoder = new TextDecoder();
    const readSome = async () => {
      const chunk = await reader?.read();
      if (chunk && !chunk.done) text += decoder.decode(chunk.value);
      return chunk?.done ?? true;
    };
    while (!text.includes("event: connected")) await readSome();
    await held.server.close();
    while (!(await readSome()));
    expect(text).not.toContain("event: return");
  });

  it("the worker process, on SIGTERM, finishes, forgets its heartbeat and exits 0", async () => {
    const { db } = await import("../../server/db");
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        OPENAI_API_KEY: sandbox.apiKey,
        OPENAI_BASE_URL: sandbox.url,
        SHUTDOWN_TIMEOUT_MS: "5000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // It says it runs once it has started and listens for signals.
    const running = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("running") && resolve()),
    );
    await Promise.race([running, exited.then(() => Promise.reject(new Error("the worker exited before it ran")))]);
    const beat = await waitFor(
      () => db().workerHeartbeat.findFirst({ where: { pid: child.pid } }),
      (row) => row !== null,
    );
    expect(beat?.host).toBeTruthy();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await db().workerHeartbeat.count({ where: { pid: child.pid } })).toBe(0);
  });
});
