import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { sleep, waitFor } from "../helpers/worker";
import { ScenarioReport } from "./report";

// Worker processes killed with SIGKILL at random points while jobs run, and
// restarted: every job ends correctly, one provider job each, none left running.
const ROOT = path.resolve(import.meta.dirname, "../..");
let sandbox: Sandbox;
let databaseUrl: string;
const children = new Set<ChildProcess>();

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, OPENAI_API_KEY: sandbox.apiKey, OPENAI_BASE_URL: sandbox.url, WORKER_POLL_MS: "500" },
    stdio: "ignore",
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  sandbox = await startSandbox({ timings: { fileProcessingMs: 300, validatingMs: 500, queuedMs: 500, runningMs: 2_000 } });
});
afterAll(async () => {
  for (const child of children) child.kill("SIGTERM");
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await sandbox.close();
});

it("workers killed with SIGKILL mid-step and restarted: every job ends right, no orphaned provider job", async () => {
  const { db } = await import("../../server/db");
  const { createJob } = await import("../../server/finetuning/service");
  const { cancelJob } = await import("../../server/finetuning/cancel");
  const { provider } = await import("../../server/provider");
  const { makeConnection } = await import("../helpers/factories");
  Object.assign(process.env, { OPENAI_API_KEY: sandbox.apiKey, OPENAI_BASE_URL: sandbox.url });
  const report = new ScenarioReport("worker SIGKILL mid-step");
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  // Slow provider answers keep steps in flight when the kills land.
  for (const route of ["POST /v1/files", "POST /v1/fine_tuning/jobs", "GET /v1/fine_tuning/jobs/*"]) {
    sandbox.addFault({ route, fault: { kind: "slow", delayMs: 700 }, times: 6 });
  }
  const jobs = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      createJob({
        db: db(),
        actor: { kind: "system", name: "cli" },
        input: { db_connection_id: connection.id, alias: `kill-${i}` },
      }),
    ),
  );
  let kills = 0;
  for (let round = 0; round < 3; round++) {
    const worker = startWorkerProcess();
    await sleep(800 + Math.random() * 1_500);
    worker.kill("SIGKILL");
    kills++;
  }
  // One job is cancelled by an operator while its workers die.
  const cancelled = jobs[0];
  if (!cancelled) throw new Error("no jobs");
  await cancelJob({ db: db(), provider: provider(), actor: { kind: "system", name: "cli" }, id: cancelled.id }).then(
    () => report.success(),
    (e: { code?: string }) => report.error(e.code ?? "UNKNOWN"),
  );
  startWorkerProcess();

  const terminal = new Set(["succeeded", "failed", "cancelled"]);
  const rows = await waitFor(
    () => db().finetuningJob.findMany({ where: { id: { in: jobs.map((j) => j.id) } } }),
    (all) => all.every((j) => terminal.has(j.status)),
    120_000,
  );
  await waitFor(
    async () => (await sandbox.jobs()).filter((j) => !terminal.has(j.status)).length,
    (n) => n === 0,
    30_000,
  ).catch(() => undefined);
  for (const row of rows) {
    report.transitions += await db().jobEvent.count({ where: { jobId: row.id, kind: "status_change" } });
    const made = (await sandbox.jobs()).filter((j) => j.metadata?.controlroom_job_id === row.id);
    report.check(made.length <= 1, `job ${row.id}: ${made.length} provider jobs`);
    const expected = row.id === cancelled.id && report.successes === 1 ? "cancelled" : "succeeded";
    report.check(row.status === expected, `job ${row.id}: ${row.status}, expected ${expected}`);
  }
  report.check(
    (await sandbox.jobs()).every((j) => terminal.has(j.status)),
    "a provider job is still running",
  );
  report.print({ kills, jobs: rows.length });
  expect(report.violations).toEqual([]);
}, 240_000);
