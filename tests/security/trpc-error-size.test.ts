import "../helpers/env";
import { describe, expect, it } from "vitest";
import { startFetchAdapters, useSecureApp } from "./app";

const app = useSecureApp();

// A batch path is a comma list of procedure names; a refusal before tRPC runs
// names each call. 8,000 names in 16 KB of path must not become an answer a
// hundred times that size, with or without credentials.
const NAMES = 8_000;
const longPath = `/api/trpc/${Array.from({ length: NAMES }, () => "a").join(",")}?batch=1`;
const SMALL = 4 * 1024;

describe("review 3: a refusal's size is bounded whatever the tRPC path", () => {
  it("POST with 8,000 names and ?batch=1, no credentials: a small 401", async () => {
    const response = await fetch(`${app.origin}${longPath}`, { method: "POST", body: "{}" });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(text.length).toBeLessThan(SMALL);
    const body = JSON.parse(text) as unknown[];
    expect(body.length).toBeGreaterThan(0);
    expect(body.length).toBeLessThanOrEqual(10);
  });

  it("the same on Next's route handler (next start)", async () => {
    const next = await startFetchAdapters();
    try {
      const response = await fetch(`${next.origin}${longPath}`, { method: "POST", body: "{}" });
      const text = await response.text();
      expect(response.status).toBe(401);
      expect(text.length).toBeLessThan(SMALL);
    } finally {
      await next.close();
    }
  });

  it("a long name is cut, not echoed whole", async () => {
    const name = "b".repeat(10_000);
    const response = await fetch(`${app.origin}/api/trpc/${name}?batch=1`, { method: "POST", body: "{}" });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(text.length).toBeLessThan(SMALL);
  });
});
