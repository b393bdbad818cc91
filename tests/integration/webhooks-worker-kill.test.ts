import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { processGroup } from "../helpers/processes";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { waitFor } from "../helpers/worker";
import { startReceiver, type Receiver } from "./webhooks-receiver";

// The real worker process (`npm run worker`) killed with SIGKILL while a
// delivery is on the wire: after a restart every message arrives, the one
// that was cut off again with the same webhook-id and body.
let sandbox: Sandbox;
let receiver: Receiver;
let databaseUrl: string;
const processes = processGroup();

const startWorkerProcess = () =>
  processes.start("scripts/worker.ts", {
    DATABASE_URL: databaseUrl,
    OPENAI_API_KEY: sandbox.apiKey,
    OPENAI_BASE_URL: sandbox.url,
    WORKER_POLL_MS: "500",
    WEBHOOK_ALLOW_PRIVATE: "1",
    WEBHOOK_RETRY_BASE_MS: "50",
    WEBHOOK_RETRY_MAX_MS: "500",
  });
const stopWorkerProcess = processes.stop;

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
  process.env.WEBHOOK_ALLOW_PRIVATE = "1";
  sandbox = await startSandbox({ timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 1_000 } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await processes.stopAll();
  await receiver.close();
  await sandbox.close();
});

describe("webhooks and a killed worker", () => {
  it("a worker killed mid-delivery loses nothing: the cut-off message is sent again with the same id", async () => {
    const { db } = await import("../../server/db");
    const { createWebhookEndpoint } = await import("../../server/webhooks/service");
    const { makeJob } = await import("../helpers/factories");
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const { endpoint, secret } = await createWebhookEndpoint({
      db: db(),
      input: { url: `${receiver.url}/kill`, event_types: ["job.status_changed", "job.failed"], enabled: true },
    });

    // The first request is held open: the worker is mid-delivery when it dies.
    receiver.answer = () => (receiver.received.length === 1 ? "hang" : { status: 200, body: "ok" });
    const worker = startWorkerProcess();
    const jobs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await makeJob(db(), { status: "running" });
      await transitionJob({
        db: db(),
        id: job.id,
        from: ["running"],
        to: "failed",
        actor: "provider",
        reason: "provider reported failure",
      });
      jobs.push(job.id);
    }
    await waitFor(
      () => receiver.received.length,
      (n) => n >= 1,
      30_000,
    );
    await stopWorkerProcess(worker, "SIGKILL");
    const cutOff = receiver.received[0];

    startWorkerProcess();
    const rows = await waitFor(
      () => db().webhookDelivery.findMany({ where: { endpointId: endpoint.id }, select: { id: true, state: true, attempts: true } }),
      (r) => r.length === 10 && r.every((d) => d.state === "delivered"),
      90_000,
    );

    const got = receiver.received.filter((r) => r.path === "/hooks/kill");
    expect(new Set(got.map((r) => r.id))).toEqual(new Set(rows.map((r) => `msg_${r.id}`)));
    const again = got.filter((r) => r.id === cutOff?.id);
    expect(again.length).toBeGreaterThanOrEqual(2);
    expect(new Set(again.map((r) => r.body)).size).toBe(1);
    const wh = new Webhook(secret);
    for (const r of got) expect(() => wh.verify(r.body, r.headers)).not.toThrow();
    // Every job's two messages, none missing.
    const jobIdsSeen = got.map((r) => (JSON.parse(r.body) as { data: { job: { id: string } } }).data.job.id);
    for (const id of jobs) expect(jobIdsSeen.filter((j) => j === id).length).toBeGreaterThanOrEqual(2);
  }, 150_000);
});
