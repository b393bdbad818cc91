import "../helpers/env";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../server/auth/admin";
import { db } from "../../server/db";
import { createTrpcNodeHandler } from "../../server/http/trpc";
import { instrumentRequest, routeLabel } from "../../server/telemetry/http";
import { startProcessMetrics, type MetricsServer } from "../../server/telemetry/server";
import { createCaller } from "../../server/trpc/root";
import { headersFor } from "../helpers/callers";
import { makeJob } from "../helpers/factories";
import { sandboxProvider, unreachableProvider } from "../helpers/provider";

// GET /metrics on its own port; the API instrumented the way the app server
// instruments it (server/app-server.ts).

let api: Server;
let origin = "";
let metricsServer: MetricsServer | null = null;

beforeAll(async () => {
  const trpc = createTrpcNodeHandler();
  api = createServer((req, res) => {
    instrumentRequest(req, res);
    trpc(req, res);
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  metricsServer = await startProcessMetrics({ port: 0, host: "127.0.0.1", db: db() });
});

afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
  await metricsServer?.close();
});

async function scrape(): Promise<string> {
  if (!metricsServer) throw new Error("no metrics server");
  const res = await fetch(metricsServer.url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one sample, e.g. value(text, 'finetuning_cancels_total{outcome="cancelled"}'). */
function value(text: string, sample: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

async function cancelOverHttp(key: string, id: string): Promise<number> {
  const res = await fetch(`${origin}/api/trpc/finetuning.cancel`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ finetuning_id: id }),
  });
  await res.text();
  return res.status;
}

describe("GET /metrics", () => {
  it("counts HTTP requests by route and status, and cancels by outcome", async () => {
    const { key } = await createApiKey({ name: "metrics-test", role: "operator" });
    const job = await makeJob(db(), { status: "queued" });
    const before = await scrape();
    expect(await cancelOverHttp(key, job.id)).toBe(200);
    expect(await cancelOverHttp(key, "00000000-0000-4000-8000-000000000000")).toBe(404);
    const after = await scrape();

    const ok = 'http_requests_total{route="trpc finetuning.cancel",method="POST",status="200"}';
    const missing = 'http_requests_total{route="trpc finetuning.cancel",method="POST",status="404"}';
    expect(value(after, ok) - value(before, ok)).toBe(1);
    expect(value(after, missing) - value(before, missing)).toBe(1);
    expect(after).toMatch(/http_request_duration_seconds_bucket\{le="[^"]+",route="trpc finetuning.cancel",method="POST",status="200"\}/);
    for (const outcome of ["cancelled", "not_found"]) {
      const sample = `finetuning_cancels_total{outcome="${outcome}"}`;
      expect(value(after, sample) - value(before, sample)).toBe(1);
    }
  });

  it("reports jobs by status and the worker queue from the database", async () => {
    await makeJob(db(), { status: "running" });
    const text = await scrape();
    expect(value(text, 'finetuning_jobs{status="running"}')).toBeGreaterThanOrEqual(1);
    for (const status of ["queued", "validating_files", "succeeded", "failed", "cancelled"])
      expect(text).toContain(`finetuning_jobs{status="${status}"}`);
    for (const state of ["ready", "deferred", "active"]) expect(text).toContain(`worker_queue_steps{state="${state}"}`);
    expect(text).toContain("worker_processes_alive");
    expect(text).toContain("worker_step_duration_seconds");
  });

  it("counts provider calls by route and outcome", async () => {
    const { sandbox, provider } = await sandboxProvider();
    try {
      const route = 'provider_requests_total{route="look up provider job",outcome="ok"}';
      const before = value(await scrape(), route);
      expect(await provider.findJobFor("00000000-0000-4000-8000-000000000001")).toBeNull();
      const after = await scrape();
      expect(value(after, route) - before).toBe(1);
      expect(after).toContain('provider_request_duration_seconds_count{route="look up provider job"}');
    } finally {
      await sandbox.close();
    }
  });

  it("counts open live-feed subscriptions", async () => {
    const sample = "live_feed_subscribers";
    const before = value(await scrape(), sample);
    const controller = new AbortController();
    const caller = createCaller(
      { db: db(), provider: unreachableProvider(), headers: await headersFor("viewer") },
      { signal: controller.signal },
    );
    const iterator = (await caller.finetuning.onChange({}))[Symbol.asyncIterator]();
    const pending = iterator.next(); // the subscription starts when first read
    await expect.poll(async () => value(await scrape(), sample)).toBe(before + 1);
    controller.abort();
    await pending.catch(() => undefined);
    await expect.poll(async () => value(await scrape(), sample)).toBe(before);
  });

  it("labels routes without ids, so their number stays small", () => {
    expect(routeLabel("/api/v1/finetunings/0190f5a2-1b2c-7d3e-8f40-123456789abc/cancel?x=1")).toBe("/api/v1/finetunings/{id}/cancel");
    expect(routeLabel("/api/trpc/finetuning.list,finetuning.list?batch=1")).toBe("trpc finetuning.list");
    expect(routeLabel("/api/trpc/finetuning.list,finetuning.get?batch=1")).toBe("trpc batch"); // combinations would be unbounded
    expect(routeLabel("/jobs/0190f5a2-1b2c-7d3e-8f40-123456789abc")).toBe("/jobs/{id}");
    expect(routeLabel("/wp-admin/setup.php")).toBe("other");
    expect(routeLabel("/_next/static/chunks/abc.js")).toBe("/_next");
  });
});
