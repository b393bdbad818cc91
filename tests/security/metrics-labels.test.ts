import "../helpers/env";
import { describe, expect, it } from "vitest";
import { metrics } from "../../server/telemetry/registry";
import { useSecureApp } from "./app";

const app = useSecureApp({ keyRole: "viewer" });

async function routeLabels(): Promise<Set<string>> {
  const text = await metrics().registry.metrics();
  return new Set([...text.matchAll(/^http_requests_total\{route="([^"]*)"/gm)].map((m) => m[1] ?? ""));
}

describe("review 6: clients cannot grow the metrics' label sets", () => {
  it("hundreds of made-up paths add at most a few fixed labels", async () => {
    // Warm up: one of each kind, so the fixed labels exist before counting.
    const kinds = (salt: string) => [
      `/api/v1/x${salt}`,
      `/api/v1/finetunings/${salt}/cancel`,
      `/api/trpc/x${salt}`,
      `/api/trpc/finetuning.list,x${salt}?batch=1`,
      `/jobs/${salt}`,
      `/x${salt}/y`,
      `/api/x${salt}`,
    ];
    const headers = { authorization: `Bearer ${app.key}` };
    const send = (path: string) => fetch(`${app.origin}${path}`, { headers }).then((r) => r.text());
    await Promise.all(kinds("warm").map(send));
    const before = await routeLabels();
    for (let i = 0; i < 40; i++) await Promise.all(kinds(Math.random().toString(36).slice(2)).map(send));
    const after = await routeLabels();
    expect([...after].filter((label) => !before.has(label))).toEqual([]);
    expect(after.size).toBeLessThan(100);
  });
});
