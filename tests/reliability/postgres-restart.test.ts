import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/launch/embedded";
import { applyMigrations } from "../../server/launch/migrate";
import { sleep, waitFor } from "../helpers/worker";
import { ScenarioReport } from "./report";

// A Postgres of its own, stopped and started again while cancels stream in:
// the app must recover by itself, and no acknowledged cancel may be lost.
let pg: EmbeddedPostgres;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "controlroom-restart-pg-"));
  pg = await startEmbeddedPostgres({ dataDir });
  await applyMigrations({ databaseUrl: pg.url });
  Object.assign(process.env, { DATABASE_URL: pg.url, BETTER_AUTH_SECRET: "test-secret-test-secret-test-secret-0000" });
});
afterAll(async () => {
  await pg.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it("Postgres restarted under load: the app recovers by itself and no acknowledged cancel is lost", async () => {
  const { db } = await import("../../server/db");
  const { createApiKey } = await import("../../server/auth/admin");
  const { makeJob, makeConnection } = await import("../helpers/factories");
  const { startApiServer } = await import("../helpers/http");
  const server = await startApiServer();
  const report = new ScenarioReport("Postgres restarted under load");
  const { key } = await createApiKey({ name: "restart", role: "operator" });
  const { connection } = await makeConnection(db(), { goldenRecords: 0 });
  const jobs: string[] = [];
  for (let i = 0; i < 600; i++) jobs.push((await makeJob(db(), { status: "running", dbConnectionId: connection.id })).id);

  const acknowledged: string[] = [];
  const statusSeen = new Map<number, number>();
  let next = 0;
  let restarted = false;
  const load = Array.from({ length: 4 }, async () => {
    while (next < jobs.length) {
      const id = jobs[next++] as string;
      const response = await fetch(`${server.origin}/api/trpc/finetuning.cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ finetuning_id: id }),
      }).catch(() => null);
      const status = response?.status ?? 0;
      statusSeen.set(status, (statusSeen.get(status) ?? 0) + 1);
      if (status === 200) {
        report.success();
        acknowledged.push(id);
      } else {
        const body = (await response?.json().catch(() => null)) as { error?: { data?: { code?: string } } } | null;
        report.error(body?.error?.data?.code ?? `HTTP_${status}`);
      }
      // Pace the load so that it spans the restart.
      await sleep(restarted || status === 200 ? 4 : 25);
    }
  });

  await sleep(700);
  await pg.stop();
  await sleep(1_500);
  pg = await startEmbeddedPostgres({ dataDir });
  restarted = true;
  await Promise.all(load);

  // Recovered by itself: a fresh cancel after the restart succeeds.
  const late = (await makeJob(db(), { status: "running", dbConnectionId: connection.id })).id;
  const recovered = await waitFor(
    () =>
      fetch(`${server.origin}/api/trpc/finetuning.cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ finetuning_id: late }),
      }).then((r) => r.status),
    (s) => s === 200,
    15_000,
  ).catch(() => 0);
  report.check(recovered === 200, "the app did not recover after Postgres came back");

  const rows = await db().finetuningJob.findMany({ where: { id: { in: acknowledged } }, select: { id: true, status: true } });
  const lost = acknowledged.filter((id) => rows.find((r) => r.id === id)?.status !== "cancelled");
  report.check(lost.length === 0, `${lost.length} acknowledged cancels lost`);
  report.transitions = await db().jobEvent.count({ where: { job: { dbConnectionId: connection.id }, kind: "status_change" } });
  report.check(
    report.transitions === acknowledged.length + (recovered === 200 ? 1 : 0),
    `${report.transitions} transitions for ${acknowledged.length} acknowledged cancels`,
  );
  report.check(report.errorsByCode.INTERNAL_SERVER_ERROR === undefined, "a database outage surfaced as a 500 instead of a retryable 503");
  report.print({ httpStatuses: Object.fromEntries(statusSeen) });
  await server.close();
  expect(report.violations).toEqual([]);
  expect(report.errorsByCode.SERVICE_UNAVAILABLE ?? 0).toBeGreaterThan(0); // the outage really happened under load
});
