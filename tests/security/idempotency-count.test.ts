import "../helpers/env";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

// A small budget, so counting is visible.
process.env.RATE_LIMIT_PER_MINUTE = "8";
const { keyFor, useSecureApp } = await import("./app");
const { rest } = await import("../helpers/rest");

const app = useSecureApp();

describe("review 3: every request counts against the caller's budget, replay or not", () => {
  it("REST: replays of one request count against the caller's budget like any request", async () => {
    const operator = await keyFor("operator");
    const statuses: number[] = [];
    // A cancel of a job that does not exist: a final 404, stored and replayed.
    const path = `/api/v1/finetunings/${randomUUID()}/cancel`;
    // Windows are fixed minutes: one may end mid-test, so twice the budget and one more must meet a 429.
    for (let i = 0; i < 17; i++) {
      const call = await rest(app.origin, "POST", path, { key: operator.key, json: {}, headers: { "idempotency-key": "count-me" } });
      statuses.push(call.status);
    }
    expect(statuses[0]).toBe(404);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
  });

  it("tRPC: the same, on the transport that already counted them", async () => {
    const operator = await keyFor("operator");
    const statuses: number[] = [];
    for (let i = 0; i < 17; i++) {
      const response = await fetch(`${app.origin}/api/trpc/finetuning.cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${operator.key}`, "content-type": "application/json", "idempotency-key": "count-me" },
        body: JSON.stringify({ finetuning_id: "00000000-0000-4000-8000-000000000000" }),
      });
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses).toContain(429);
  });
});
