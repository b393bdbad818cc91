import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import type { RunningWorker } from "../../server/worker/runner";
import { waitFor } from "../helpers/worker";
import { webhookPayloadSchema } from "../../server/webhooks/schema";
import { startReceiver, type Receiver } from "./webhooks-receiver";

// The whole path with real parts: a change in Postgres, the outbox trigger,
// the worker's dispatcher on the durable queue, and a real HTTP receiver on
// loopback that verifies each delivery with the standardwebhooks library.
let sandbox: Sandbox;
let provider: FinetuningProvider;
let worker: RunningWorker;
let receiver: Receiver;

beforeAll(async () => {
  await useIsolatedDatabase();
  process.env.WEBHOOK_ALLOW_PRIVATE = "1";
  process.env.WEBHOOK_RETRY_BASE_MS = "50";
  process.env.WEBHOOK_RETRY_MAX_MS = "500";
  const { sandboxProvider } = await import("../helpers/provider");
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 50, validatingMs: 100, queuedMs: 100, runningMs: 300 }));
  const { startWorker } = await import("../../server/worker/runner");
  const { db } = await import("../../server/db");
  worker = await startWorker({ db: db(), provider, pollMs: 200, reconcileMs: 500 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await worker.stop();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await receiver.close();
  await sandbox.close();
});

async function admin() {
  const { callerAs } = await import("../helpers/callers");
  return callerAs("admin", provider);
}

async function newJob(alias: string) {
  const { db } = await import("../../server/db");
  const { makeConnection } = await import("../helpers/factories");
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  const { callerAs } = await import("../helpers/callers");
  const operator = await callerAs("operator", provider);
  return operator.finetuning.create({ db_connection_id: connection.id, alias });
}

type Delivered = { id: string; type: string; jobId: string; to: string | null; from: string | null; status: string; eventId: number };

/** What arrived at one path of the receiver, each verified with the library and parsed. */
function verifiedFor(path: string, secret: string, jobIds: string[]): Delivered[] {
  const wh = new Webhook(secret);
  return receiver.received
    .filter((r) => r.path === path)
    .map((r) => {
      const payload = webhookPayloadSchema.parse(wh.verify(r.body, r.headers));
      return {
        id: r.id,
        type: payload.type,
        jobId: payload.data.job.id,
        to: payload.data.change.to,
        from: payload.data.change.from,
        status: payload.data.job.status,
        eventId: Number(payload.data.change.event_id),
      };
    })
    .filter((d) => jobIds.includes(d.jobId));
}

describe("webhooks", () => {
  it("are admin-only", async () => {
    const { callerAs } = await import("../helpers/callers");
    const operator = await callerAs("operator", provider);
    await expect(operator.webhooks.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("deliver every event a job goes through, signed, in order, carrying the whole job", async () => {
    const api = await admin();
    const { endpoint, secret } = await api.webhooks.create({
      url: `${receiver.url}/all`,
      event_types: ["job.created", "job.status_changed", "job.cancelled", "job.succeeded", "job.failed"],
    });
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify(await api.webhooks.list({}))).not.toContain(secret);

    const succeeding = await newJob("webhook-succeeds");
    const cancelled = await newJob("webhook-cancelled");
    const { callerAs } = await import("../helpers/callers");
    const operator = await callerAs("operator", provider);
    await operator.finetuning.cancel({ finetuning_id: cancelled.id, metadata: { reason: "wrong data" } });

    // A job the provider fails: the worker's own transition, as sync makes it.
    const { db } = await import("../../server/db");
    const { makeJob } = await import("../helpers/factories");
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const failing = await makeJob(db(), { status: "running" });
    await transitionJob({
      db: db(),
      id: failing.id,
      from: ["running"],
      to: "failed",
      actor: "provider",
      reason: "provider reported failure",
      patch: { error: "training diverged" },
    });

    const ids = [succeeding.id, cancelled.id, failing.id];
    await waitFor(
      () => verifiedFor("/hooks/all", secret, ids),
      (d) =>
        d.some((x) => x.jobId === succeeding.id && x.type === "job.succeeded") &&
        d.some((x) => x.type === "job.cancelled") &&
        d.some((x) => x.type === "job.failed"),
      30_000,
    );
    const delivered = verifiedFor("/hooks/all", secret, ids);

    const types = new Set(delivered.map((d) => d.type));
    expect([...types].sort()).toEqual(["job.cancelled", "job.created", "job.failed", "job.status_changed", "job.succeeded"]);
    for (const d of delivered) {
      // The job as the change left it.
      if (d.type !== "job.created") expect(d.status).toBe(d.to);
      if (d.type === "job.cancelled") expect(d.jobId).toBe(cancelled.id);
    }
    // Per job, oldest change first; every transition of the succeeding job is there.
    for (const id of ids) {
      const events = delivered.filter((d) => d.jobId === id).map((d) => d.eventId);
      expect(events).toEqual([...events].sort((a, b) => a - b));
    }
    const path = delivered.filter((d) => d.jobId === succeeding.id && d.type === "job.status_changed").map((d) => d.to);
    // Every transition the event log holds, none missing.
    const { eventsOf } = await import("../helpers/factories");
    const transitions = (await eventsOf(db(), succeeding.id))
      .filter((e) => e.kind === "status_change" && e.fromStatus !== null)
      .map((e) => e.toStatus);
    expect(path).toEqual(transitions);
    expect(path.at(-1)).toBe("succeeded");

    // The delivery log shows each one delivered, with status, latency and attempts.
    const log = await api.webhooks.deliveries({ endpoint_id: endpoint.id, limit: 200 });
    const cancelledEntry = log.items.find((d) => d.event_type === "job.cancelled");
    expect(cancelledEntry).toMatchObject({ state: "delivered", last_status: 200, attempts: 1, response_excerpt: "ok" });
    expect(cancelledEntry?.last_latency_ms).toBeGreaterThanOrEqual(0);
    expect(receiver.received.map((r) => r.id)).toContain(cancelledEntry?.id);
    await api.webhooks.delete({ endpoint_id: endpoint.id });
  }, 60_000);

  it("send only the event types an endpoint asked for, and nothing to a disabled one", async () => {
    const api = await admin();
    const only = await api.webhooks.create({ url: `${receiver.url}/only`, event_types: ["job.cancelled"] });
    const off = await api.webhooks.create({ url: receiver.url, event_types: ["job.cancelled"], enabled: false });
    const job = await newJob("only-cancel");
    const { callerAs } = await import("../helpers/callers");
    await (await callerAs("operator", provider)).finetuning.cancel({ finetuning_id: job.id });
    await waitFor(
      () => verifiedFor("/hooks/only", only.secret, [job.id]),
      (d) => d.length >= 1,
      20_000,
    );
    const { db } = await import("../../server/db");
    expect(await db().webhookDelivery.count({ where: { endpointId: only.endpoint.id } })).toBe(1);
    expect(await db().webhookDelivery.count({ where: { endpointId: off.endpoint.id } })).toBe(0);
    expect(verifiedFor("/hooks/only", only.secret, [job.id]).map((d) => d.type)).toEqual(["job.cancelled"]);
    await api.webhooks.delete({ endpoint_id: only.endpoint.id });
    await api.webhooks.delete({ endpoint_id: off.endpoint.id });
  }, 30_000);

  it("are managed over REST too, admin keys only; the secret is shown on create and rotate alone", async () => {
    const { startRestServer, rest, apiKey } = await import("../helpers/rest");
    const server = await startRestServer();
    try {
      const key = await apiKey("admin");
      const created = await rest(server.origin, "POST", "/api/v1/webhooks/endpoints", {
        key,
        json: { url: `${receiver.url}/rest`, event_types: ["job.cancelled"] },
      });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      const id = created.body.endpoint.id as string;
      const listed = await rest(server.origin, "GET", "/api/v1/webhooks/endpoints", { key });
      expect(listed.status).toBe(200);
      expect(listed.text).not.toContain(created.body.secret as string);
      const patched = await rest(server.origin, "PATCH", `/api/v1/webhooks/endpoints/${id}`, { key, json: { enabled: false } });
      expect(patched.body.enabled).toBe(false);
      const rotated = await rest(server.origin, "POST", `/api/v1/webhooks/endpoints/${id}/rotate-secret`, {
        key,
        json: { grace_seconds: 60 },
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).not.toBe(created.body.secret);
      const log = await rest(server.origin, "GET", `/api/v1/webhooks/endpoints/${id}/deliveries`, { key });
      expect(log.status).toBe(200);
      const bad = await rest(server.origin, "POST", "/api/v1/webhooks/endpoints", {
        key,
        json: { url: "file:///etc/passwd", event_types: ["job.cancelled"] },
      });
      expect(bad.status).toBe(400);
      const operator = await rest(server.origin, "GET", "/api/v1/webhooks/endpoints", { key: await apiKey("operator") });
      expect(operator.status).toBe(403);
      expect((await rest(server.origin, "DELETE", `/api/v1/webhooks/endpoints/${id}`, { key })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("map the job_events of pause, resume, checkpoints and guardrails to their event types", async () => {
    const { db } = await import("../../server/db");
    const map = async (kind: string, from: string | null, to: string | null) =>
      (await db().$queryRaw<{ t: string[] }[]>`SELECT webhook_event_types(${kind}, ${from}, ${to}) AS t`)[0]?.t;
    expect(await map("status_change", null, "queued")).toEqual(["job.created"]);
    expect(await map("status_change", "running", "cancelled")).toEqual(["job.status_changed", "job.cancelled"]);
    expect(await map("status_change", "running", "paused")).toEqual(["job.status_changed", "job.paused"]);
    expect(await map("status_change", "paused", "running")).toEqual(["job.status_changed", "job.resumed"]);
    expect(await map("status_change", "paused", "cancelled")).toEqual(["job.status_changed", "job.cancelled"]);
    expect(await map("checkpoint_created", null, null)).toEqual(["job.checkpoint_created"]);
    expect(await map("guardrail_triggered", null, null)).toEqual(["guardrail.triggered"]);
    expect(await map("metadata_update", null, null)).toEqual([]);
    expect(await map("provider_event", null, null)).toEqual([]);
  });
});
