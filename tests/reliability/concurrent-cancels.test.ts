import "../helpers/env";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiKey } from "../../server/auth/admin";
import { db } from "../../server/db";
import { eventsOf, makeJob } from "../helpers/factories";
import { startApiServer } from "../helpers/http";
import { ScenarioReport } from "./report";

let api: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => {
  await api.close();
});

// A thousand connections arrive at once. On a busy machine they used to
// overflow Node's default listen backlog (511) and some got ECONNRESET; the
// product's servers now listen with a larger one (server/http/listen.ts),
// and so does this test's server.
it("1,000 concurrent cancels of one job over HTTP: 1,000 × 200, one transition, one event", async () => {
  const report = new ScenarioReport("1000 concurrent cancels of one job");
  const { key } = await createApiKey({ name: "reliability-cancels", role: "operator" });
  const job = await makeJob(db(), { status: "running" });

  const responses = await Promise.all(
    Array.from({ length: 1_000 }, () =>
      fetch(`${api.origin}/api/trpc/finetuning.cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ finetuning_id: job.id, metadata: { reason: "load" } }),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { result?: { data?: { status?: string } }; error?: { data?: { code?: string } } },
      })),
    ),
  );
  for (const r of responses) {
    if (r.status === 200) report.success();
    else report.error(r.body.error?.data?.code ?? String(r.status));
    report.check(r.status !== 200 || r.body.result?.data?.status === "cancelled", `a 200 answered status ${r.body.result?.data?.status}`);
  }
  const events = await eventsOf(db(), job.id);
  report.transitions = events.filter((e) => e.kind === "status_change").length;
  report.check(report.successes === 1_000, `${report.successes} of 1000 succeeded`);
  report.check(report.transitions === 1, `${report.transitions} status transitions`);
  report.check(events.length === 1, `${events.length} events`);
  report.print();
  expect(report.violations).toEqual([]);
});
