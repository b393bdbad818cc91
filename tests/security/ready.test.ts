import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetricsServer, type MetricsServer } from "../../server/telemetry/server";
import { keyFor, useSecureApp } from "./app";

// /api/ready runs four statements and a directory read: for anyone, at most
// once a second per process; and what fails and why (worker count, provider
// mode, migrations) is for an admin or the metrics port, not for strangers.

const app = useSecureApp();
let metricsPort: MetricsServer;
beforeAll(async () => {
  metricsPort = await startMetricsServer({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await metricsPort.close();
});

async function ready(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("review 3: /api/ready is terse for strangers and cached", () => {
  it("a stranger and a viewer learn only ready or not ready", async () => {
    const viewer = await keyFor("viewer");
    for (const headers of [{}, { authorization: `Bearer ${viewer.key}` }, { authorization: "Bearer not-a-key" }] as Array<
      Record<string, string>
    >) {
      const { status, body } = await ready(`${app.origin}/api/ready`, headers);
      expect([200, 503]).toContain(status);
      expect(Object.keys(body)).toEqual(["status"]);
      expect(body.status).toBe(status === 200 ? "ready" : "not_ready");
    }
  });

  it("an admin, and the metrics port, get every check", async () => {
    const admin = await keyFor("admin");
    const viaAdmin = await ready(`${app.origin}/api/ready`, { authorization: `Bearer ${admin.key}` });
    expect(Object.keys(viaAdmin.body.checks as object).sort()).toEqual(["database", "migrations", "provider", "worker"]);
    const viaPort = await ready(metricsPort.url.replace(/\/metrics$/, "/api/ready"));
    expect(Object.keys(viaPort.body.checks as object).sort()).toEqual(["database", "migrations", "provider", "worker"]);
  });

  it("a burst of 50 requests is answered from one or two runs of the checks", async () => {
    const admin = await keyFor("admin");
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => ready(`${app.origin}/api/ready`, { authorization: `Bearer ${admin.key}` })),
    );
    const runs = new Set(answers.map((a) => a.body.checked_at));
    expect(runs.has(undefined)).toBe(false);
    expect(runs.size).toBeLessThanOrEqual(2);
  });
});
